"""Personal data encrypted at rest (个人信息加密存储): the Hebei flexible worker files her case over
HTTP; her ID number and name are nowhere in the raw rows, yet the platform and the department's
worklist read them as before; `lianban data rekey` moves every value to a new key — on SQLite and
on PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import JSON, create_engine, text, type_coerce, update
from typer.testing import CliRunner

from lianban.cases.schema import Case
from lianban.cli.main import app as cli
from lianban.security.fieldcrypt import DataKey, DataKeyring, FieldCryptError, use_field_encryption
from sandbox_cases import HEBEI_WORKER, bearer, file_hebei_case

KEY_2025 = DataKey("2025", bytes(range(32)))
KEY_2026 = DataKey("2026", bytes(range(100, 132)))
SEALED = re.compile(r"enc:v1:(\w+):([\w.-]+):")


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"LIANBAN_DATA_KEYS": KEY_2025.spec}  # the platform's personal data encrypted under key 2025


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def hebei_worker(client: TestClient) -> dict[str, Any]:
    people = client.get("/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}).json()
    return next(p for p in people if HEBEI_WORKER in (p.get("persona"), p.get("key")))


def raw(database_url: str, column: str, table: str) -> str:
    """What the database itself holds, read with plain SQL and no column types."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT CAST({column} AS TEXT) FROM {table}")).scalars().all()
    finally:
        engine.dispose()
    assert rows, f"{table} is empty"
    return "\n".join(str(r) for r in rows)


def registration_payload(client: TestClient, case_id: str) -> dict[str, Any]:
    """就业登记 as 人社 staff see it in their worklist."""
    staff = bearer(client, username="hrss", password="sandbox")
    listed = client.get("/api/v1/worklist", params={"status": "queued"}, headers=staff)
    assert listed.status_code == 200, listed.text
    return next(i["payload"] for i in listed.json() if i["case_id"] == case_id)


def test_her_id_number_and_name_are_not_in_the_raw_rows(api: TestClient, database_url: str) -> None:
    worker = hebei_worker(api)
    case_id, headers = file_hebei_case(api)

    form = raw(database_url, "form", "cases")
    payloads = raw(database_url, "payload", "case_items")
    for stored in (form, payloads):
        assert worker["id_number"] not in stored
        assert worker["name"] not in stored
        assert "enc:v1:aes256gcm:2025:" in stored
    assert '"employment.work_region": "130104"' in form or '"employment.work_region":"130104"' in form
    assert "2026-11-02" in form  # dates and region codes stay readable for the figures

    assert api.get(f"/api/v1/applications/{case_id}", headers=headers).json()["status"] == "submitted"
    payload = registration_payload(api, case_id)
    assert payload["AAC002"] == worker["id_number"] and payload["AAC003"] == worker["name"]


def test_rekey_moves_every_value_to_the_new_key(api: TestClient, database_url: str, tmp_path: Path) -> None:
    worker = hebei_worker(api)
    first, _ = file_hebei_case(api)
    second, _ = file_hebei_case(api)
    with api.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        # the first case as a row written before encryption: its form in plain JSON
        plain = session.get(Case, first).form
        session.execute(update(Case).where(Case.case_id == first).values(form=type_coerce(plain, JSON)))
    assert worker["id_number"] in raw(database_url, "form", "cases")
    assert registration_payload(api, first)["AAC002"] == worker["id_number"]  # still reads

    catalogue = api.app.state.catalogue  # type: ignore[attr-defined]
    engine = api.app.state.engine  # type: ignore[attr-defined]
    use_field_encryption(engine, DataKeyring([KEY_2026]), catalogue)  # 2025 retired too early
    with pytest.raises(FieldCryptError, match="key id '2025'"):
        registration_payload(api, second)

    env = {
        "LIANBAN_MODE": "sandbox",
        "LIANBAN_DATA_DIR": str(tmp_path / "var"),
        "LIANBAN_DATA_KEYS": f"{KEY_2026.spec},{KEY_2025.spec}",
    }
    runner = CliRunner()
    done = runner.invoke(cli, ["data", "rekey", "--database-url", database_url, "--batch-size", "1"], env=env)
    assert done.exit_code == 0, done.output
    assert "row(s) re-encrypted" in done.output and "2026" in done.output

    for column, table in (("form", "cases"), ("payload", "case_items")):
        stored = raw(database_url, column, table)
        assert {kid for _alg, kid in SEALED.findall(stored)} == {"2026"}
        assert worker["id_number"] not in stored and worker["name"] not in stored

    again = runner.invoke(cli, ["data", "rekey", "--database-url", database_url], env=env)
    assert again.exit_code == 0 and "0 row(s) re-encrypted" in again.output

    use_field_encryption(engine, DataKeyring([KEY_2026]), catalogue)  # now 2025 can go
    for case_id in (first, second):
        assert registration_payload(api, case_id)["AAC003"] == worker["name"]
