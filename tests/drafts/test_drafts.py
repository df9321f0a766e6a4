"""Drafts (草稿): a half-filled form survives a lost session, its personal values are encrypted at
rest like a case's form, it is gone once the application is filed, and it expires untouched."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from feature_world import beijing, feature_client
from lianban.cli.main import app as cli
from lianban.clock import SettableClock
from lianban.security.fieldcrypt import DataKey, DataKeyring, use_field_encryption
from sandbox_cases import WUHAN_GRADUATE, bearer, graduate_form, hebei_form, sandbox_person

GRADUATE_THEME = "hubei.graduate-employment"
KEY_A = DataKey("draft-a", bytes(range(32)))
KEY_B = DataKey("draft-b", bytes(range(50, 82)))
SEALED = re.compile(r"enc:v1:(\w+):([\w.-]+):")


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 9, 28), 20))


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"LIANBAN_DATA_KEYS": KEY_A.spec}


def raw_forms(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return "\n".join(
                str(r) for r in conn.execute(text("SELECT CAST(form AS TEXT) FROM drafts")).scalars()
            )
    finally:
        engine.dispose()


def test_the_graduate_s_half_filled_form_survives_a_closed_tab_encrypted_until_she_files(
    client: TestClient, database_url: str, clock: SettableClock
) -> None:
    graduate = sandbox_person(client, WUHAN_GRADUATE, WUHAN_GRADUATE)
    form = graduate_form(client.app.state.catalogue.code_lists, graduate["name"])  # type: ignore[attr-defined]
    half = {k: v for k, v in form.items() if k.startswith(("person.", "bank.", "employment."))}
    headers = bearer(client, id_number=graduate["id_number"])
    saved = client.put(
        f"/api/v1/drafts/{GRADUATE_THEME}",
        json={"form": half, "situation": {"settle_city": "wuhan"}, "step": "form"},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["expires_at"].startswith("2026-10-28")  # 30 days by default

    stored = raw_forms(database_url)
    assert "6217002870012345678" not in stored and graduate["name"] not in stored  # bank account, name
    assert {kid for _alg, kid in SEALED.findall(stored)} == {"draft-a"}
    assert "2026-08-01" in stored  # the start of employment is not personal: readable

    # the next morning, a new login: everything she typed is there
    clock.set(beijing(date(2026, 9, 29), 8))
    again = bearer(client, id_number=graduate["id_number"])
    back = client.get(f"/api/v1/drafts/{GRADUATE_THEME}", headers=again).json()
    assert back["form"] == half and back["situation"] == {"settle_city": "wuhan"} and back["step"] == "form"
    # nobody else's draft, and staff keep none
    stranger = bearer(
        client, id_number=sandbox_person(client, "hebei_flexible_public_archive", "hebei")["id_number"]
    )
    assert client.get(f"/api/v1/drafts/{GRADUATE_THEME}", headers=stranger).status_code == 404
    supervisor = bearer(client, username="supervisor", password="sandbox")
    assert client.get(f"/api/v1/drafts/{GRADUATE_THEME}", headers=supervisor).status_code == 403
    assert client.put("/api/v1/drafts/no.such-theme", json={"form": {}}, headers=again).status_code == 404

    filed = client.post(
        "/api/v1/applications",
        json={"theme_id": GRADUATE_THEME, "situation": {"settle_city": "wuhan"}, "form": form},
        headers=again,
    )
    assert filed.status_code == 201, filed.text
    assert client.get(f"/api/v1/drafts/{GRADUATE_THEME}", headers=again).status_code == 404


def test_a_draft_untouched_for_the_keep_time_is_gone(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text("drafts: {keep_days: 7}\n", encoding="utf-8")
    with feature_client(
        database_url, tmp_path, clock, {"LIANBAN_DEPLOYMENT_FILE": str(deployment)}
    ) as client:
        worker = bearer(
            client, id_number=sandbox_person(client, "hebei_flexible_public_archive", "hebei")["id_number"]
        )
        form = hebei_form(client.app.state.catalogue.code_lists)  # type: ignore[attr-defined]
        client.put("/api/v1/drafts/hebei.flexible-employment", json={"form": form}, headers=worker)
        clock.advance(timedelta(days=6))
        assert client.get("/api/v1/drafts/hebei.flexible-employment", headers=worker).status_code == 200
        clock.advance(timedelta(days=2))
        assert client.get("/api/v1/drafts/hebei.flexible-employment", headers=worker).status_code == 404
        # the next draft saved by anyone clears expired ones away
        other = bearer(client, id_number=sandbox_person(client, WUHAN_GRADUATE, WUHAN_GRADUATE)["id_number"])
        client.put(f"/api/v1/drafts/{GRADUATE_THEME}", json={"form": {}}, headers=other)
        assert raw_forms(database_url).count("\n") == 0  # one row left: hers
        assert client.delete(f"/api/v1/drafts/{GRADUATE_THEME}", headers=other).status_code == 204
        assert client.get(f"/api/v1/drafts/{GRADUATE_THEME}", headers=other).status_code == 404


def test_a_clerk_s_draft_at_the_desk_goes_when_she_files_for_the_applicant(client: TestClient) -> None:
    clerk = bearer(client, username="window", password="sandbox")
    worker = sandbox_person(client, "hebei_flexible_public_archive", "hebei")
    form = {**hebei_form(client.app.state.catalogue.code_lists), "person.id_number": worker["id_number"]}  # type: ignore[attr-defined]
    client.put("/api/v1/drafts/hebei.flexible-employment", json={"form": form}, headers=clerk)
    assert client.get("/api/v1/drafts/hebei.flexible-employment", headers=clerk).json()["form"] == form
    filed = client.post(
        "/api/v1/applications",
        json={"theme_id": "hebei.flexible-employment", "form": form, "channel": "window"},
        headers=clerk,
    )
    assert filed.status_code == 201, filed.text
    assert client.get("/api/v1/drafts/hebei.flexible-employment", headers=clerk).status_code == 404


def test_rekey_moves_drafts_to_the_new_key(client: TestClient, database_url: str, tmp_path: Path) -> None:
    graduate = sandbox_person(client, WUHAN_GRADUATE, WUHAN_GRADUATE)
    headers = bearer(client, id_number=graduate["id_number"])
    client.put(
        f"/api/v1/drafts/{GRADUATE_THEME}", json={"form": {"person.name": graduate["name"]}}, headers=headers
    )
    env = {
        "LIANBAN_MODE": "sandbox",
        "LIANBAN_DATA_DIR": str(tmp_path / "var"),
        "LIANBAN_DATA_KEYS": f"{KEY_B.spec},{KEY_A.spec}",
    }
    done = CliRunner().invoke(cli, ["data", "rekey", "--database-url", database_url], env=env)
    assert done.exit_code == 0, done.output
    assert {kid for _alg, kid in SEALED.findall(raw_forms(database_url))} == {"draft-b"}
    engine = client.app.state.engine  # type: ignore[attr-defined]
    use_field_encryption(engine, DataKeyring([KEY_B]), client.app.state.catalogue)  # type: ignore[attr-defined]
    try:
        back = client.get(f"/api/v1/drafts/{GRADUATE_THEME}", headers=headers).json()
        assert back["form"] == {"person.name": graduate["name"]}
    finally:
        use_field_encryption(engine, DataKeyring([KEY_A]), client.app.state.catalogue)  # type: ignore[attr-defined]
