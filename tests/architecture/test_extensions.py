"""The sandbox and the bench plug into the product by entry point (lianban.extensions), and only
where they belong: the sandbox's routes and providers in sandbox mode, never in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lianban.bootstrap import build_platform
from lianban.clock import SystemClock
from lianban.config import ConfigError, Mode, Settings, load_settings
from lianban.extensions import installed, plug
from lianban.migrate import upgrade
from lianban.web.app import create_app
from lianban_bench.extension import BenchExtension
from lianban_sandbox.courier import SandboxCourier
from lianban_sandbox.notify import RecordingSender
from support.certificates import CERTIFICATE_ENV

PRODUCTION_KEYS = {
    "LIANBAN_SECRET_KEY": "k" * 40,
    "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",  # 32 bytes: AES-256
    "LIANBAN_LOOKUP_KEY": "4c" * 32,
    **CERTIFICATE_ENV,  # 电子证照 signing pair (production needs it)
}


def settings_for(mode: Mode, tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    upgrade(url)
    return load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), **PRODUCTION_KEYS}, database_url=url, mode=mode
    )


def test_the_sandbox_and_the_bench_are_found_by_their_entry_points() -> None:
    found = {e.name: e for e in installed()}
    assert {"sandbox", "bench"} <= set(found)
    assert found["sandbox"].modes == {Mode.SANDBOX}
    assert found["bench"].modes == frozenset()  # it adds `lianban bench`, nothing to the app


def test_sandbox_mode_without_the_sandbox_installed_is_refused(tmp_path: Path) -> None:
    settings = settings_for(Mode.SANDBOX, tmp_path)
    for available in ((), (BenchExtension(),)):
        with pytest.raises(ConfigError, match="lianban-sandbox"):
            plug(settings, SystemClock(), available)


def test_production_gets_nothing_from_the_sandbox_even_when_it_is_installed(tmp_path: Path) -> None:
    plugins = plug(settings_for(Mode.PRODUCTION, tmp_path), SystemClock())
    assert plugins.extensions == ()
    # no synthetic registry, no recording SMS sender, no sandbox waybills, no password-less login
    assert plugins.sharing is None and plugins.sms is None and plugins.courier is None
    assert plugins.login is None and plugins.redirect_sites("http://x") == {}

    with TestClient(create_app(settings_for(Mode.PRODUCTION, tmp_path))) as client:
        paths = {getattr(r, "path", "") for r in client.app.routes}  # type: ignore[attr-defined]
        assert not {p for p in paths if "sandbox" in p}
        assert client.get("/api/v1/sandbox/people").status_code == 404
        assert client.put("/api/v1/sandbox/departments/hrss", json={"available": False}).status_code == 404
        assert client.get("/api/v1/sandbox/etax/declare").status_code == 404


def test_sandbox_mode_takes_the_sandbox_providers_and_routes(tmp_path: Path) -> None:
    plugins = plug(settings_for(Mode.SANDBOX, tmp_path), SystemClock())
    assert [e.name for e in plugins.extensions] == ["sandbox"]
    assert isinstance(plugins.sms, RecordingSender) and isinstance(plugins.courier, SandboxCourier)
    assert plugins.sharing is not None and plugins.login is not None
    assert plugins.redirect_sites("http://127.0.0.1:8000/") == {
        "tax": "http://127.0.0.1:8000/api/v1/sandbox/etax"
    }
    with TestClient(
        create_app(platform=build_platform(settings_for(Mode.SANDBOX, tmp_path), plugins=plugins))
    ) as client:
        people = client.get("/api/v1/sandbox/people", params={"limit": 3}).json()
        assert len(people) == 3
        login = client.post("/api/v1/auth/sandbox", json={"id_number": people[0]["id_number"]})
        assert login.status_code == 200 and login.json()["role"] == "applicant"
        # no simulated departments run in this process: the switch says so
        assert client.put("/api/v1/sandbox/departments/hrss", json={"available": False}).status_code == 409


def test_the_sandbox_login_lists_who_one_may_be(tmp_path: Path) -> None:
    login = plug(settings_for(Mode.SANDBOX, tmp_path), SystemClock()).login
    assert login is not None
    choices = login.choices(limit=5)
    kinds = {c.kind for c in choices}
    assert kinds == {"person", "employer", "staff"}
    window = next(c for c in choices if c.credentials.get("username") == "window")
    assert login.login(window.credentials).role.value == "window_clerk"
