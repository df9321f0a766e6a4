"""Production refuses to start unsafe (启动检查): short or missing keys and an unmigrated database
stop `lianban serve` with a message naming the variable; secrets and the database password are
never printed; /healthz is liveness, /readyz readiness; metrics and API docs are closed unless the
deployment opens them. The process tests start the real `lianban serve`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from security_support import PRODUCTION_KEYS, ProductionApp
from sqlalchemy.engine import make_url

from lianban.config import Mode, load_settings
from lianban.web.app import create_app

SHORT_SECRET = "too-short-secret-x"  # 18 bytes
SHORT_DEPARTMENT_KEY = "hrss=p1:" + "cd" * 16  # 16 bytes
DB_PASSWORD = "Pg-Pa55word-never-shown"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(tmp_path: Path, database_url: str, *options: str, **env: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIANBAN_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lianban.cli",
            "serve",
            "--port",
            str(port),
            "--database-url",
            database_url,
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            **clean,
            "LIANBAN_MODE": "production",
            "LIANBAN_DATA_DIR": str(tmp_path / "var"),
            "COLUMNS": "200",
            **env,
        },
        cwd=tmp_path,
    )
    return proc, f"http://127.0.0.1:{port}"


def refused(proc: subprocess.Popen[str]) -> str:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2, out
    return out


@pytest.mark.slow  # starts `lianban serve` in its own process
def test_short_and_missing_keys_are_refused_by_name_and_never_printed(
    sqlite_url: str, tmp_path: Path
) -> None:
    proc, _ = serve(
        tmp_path, sqlite_url, LIANBAN_SECRET_KEY=SHORT_SECRET, LIANBAN_DEPARTMENT_KEYS=SHORT_DEPARTMENT_KEY
    )
    out = refused(proc)
    assert "LIANBAN_SECRET_KEY is 18 bytes long" in out
    assert "LIANBAN_DEPARTMENT_KEYS: hrss: key p1 is 16 bytes long" in out
    assert "缺少密钥：未设置 LIANBAN_DATA_KEYS" in out  # with how to make it (tests/cli/test_keys_missing.py)
    assert SHORT_SECRET not in out and "cd" * 16 not in out


def test_each_key_is_checked_in_the_app_too(tmp_path: Path) -> None:
    def problems(**env: str) -> str:
        settings = load_settings(
            {"LIANBAN_DATA_DIR": str(tmp_path), **PRODUCTION_KEYS, **env},
            database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}",
            mode=Mode.PRODUCTION,
        )
        with pytest.raises(Exception) as refusal:
            create_app(settings)
        return str(refusal.value)

    assert "LIANBAN_SECRET_KEY is not set" in problems(LIANBAN_SECRET_KEY="")
    assert "LIANBAN_SIGNING_KEYS is the sandbox's" in problems(LIANBAN_SIGNING_KEYS="p1:" + "ab" * 32)
    assert "LIANBAN_DATA_KEYS" in problems(LIANBAN_DATA_KEYS="d1:c2hvcnQ=")  # 5 bytes
    assert "LIANBAN_DEPARTMENT_KEYS: hrss: key old is 2 bytes long" in problems(
        LIANBAN_DEPARTMENT_KEYS="hrss=p1:" + "ab" * 32 + ",old:abcd"
    )


def a_database_with_a_password(postgres_url: str) -> str:
    return make_url(postgres_url).set(password=DB_PASSWORD).render_as_string(hide_password=False)


@pytest.mark.postgres
@pytest.mark.slow  # starts `lianban serve` in its own process
def test_an_unmigrated_database_is_refused_and_serve_migrate_starts_it(
    postgres_url: str, tmp_path: Path
) -> None:
    url = a_database_with_a_password(
        postgres_url
    )  # PostgreSQL here trusts loopback: the password is only shown, or not
    proc, _ = serve(tmp_path, url, **PRODUCTION_KEYS)
    out = refused(proc)
    assert "lianban migrate" in out and "--migrate" in out
    assert DB_PASSWORD not in out

    proc, base = serve(tmp_path, url, "--migrate", **PRODUCTION_KEYS)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                if httpx.get(f"{base}/healthz", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "lianban serve did not answer"
            time.sleep(0.3)
        live = httpx.get(f"{base}/healthz", trust_env=False).json()
        assert live["status"] == "ok" and "database" not in live  # liveness asks nothing of the database
        ready = httpx.get(f"{base}/readyz", trust_env=False)
        assert ready.status_code == 200, ready.text
        assert ready.json()["database"] == "ok" and ready.json()["dispatcher"] == "alive"
        for closed in ("/metrics", "/api/v1/docs"):
            assert httpx.get(f"{base}{closed}", trust_env=False).status_code == 404, closed
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert DB_PASSWORD not in out and "***" in out  # the start line masks it
    for value in PRODUCTION_KEYS.values():
        assert value.split(":")[-1] not in out


def test_readyz_says_what_is_not_ready_while_healthz_stays_live(sqlite_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path), **PRODUCTION_KEYS}, database_url=sqlite_url, mode=Mode.PRODUCTION
    )
    with TestClient(create_app(settings)) as client:  # the database was never migrated
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "lianban migrate" in ready.json()["detail"]


def test_metrics_open_to_a_bearer_token_or_an_allowed_address_only(production_app: ProductionApp) -> None:
    token = "metrics-" + "t" * 32
    closed = production_app()
    assert closed.get("/metrics").status_code == 404
    with_token = production_app(LIANBAN_METRICS_TOKEN=token)
    assert with_token.get("/metrics").status_code == 401
    assert with_token.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    scraped = with_token.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert scraped.status_code == 200 and "lianban_" in scraped.text
    allowed = production_app(LIANBAN_METRICS_ALLOW="10.0.0.0/8, 127.0.0.1")
    assert allowed.get("/metrics").status_code == 403  # the test client is no address in the list
    from_monitor = TestClient(allowed.app, client=("10.1.2.3", 40000))
    assert from_monitor.get("/metrics").status_code == 200


def test_api_docs_are_closed_in_production_unless_opened(production_app: ProductionApp) -> None:
    closed = production_app()
    assert closed.get("/api/v1/docs").status_code == 404
    # the OpenAPI document is the published contract (API.md): integrators read it in production
    assert closed.get("/api/v1/openapi.json").status_code == 200
    opened = production_app(LIANBAN_API_DOCS="on")
    assert opened.get("/api/v1/docs").status_code == 200
