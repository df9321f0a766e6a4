"""Rotating the data key reaches every encrypted copy of personal data (`lianban data rekey`): the
Hebei flexible worker's case from filing to its delivery — her form and the departments' payloads,
the number a department issued, her identifiers' encrypted copies beside their keyed hashes (whose
case, who filed, who uploaded), the notices' and the delivery's recipients, her uploaded file's
owner, and the audit log's actor copies. After the rotation no value is left under the old key, so
the old key can be dropped and everything still reads; the audit chain still verifies. SQLite and
PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from lianban.cases.schema import Delivery
from lianban.cli.main import app as cli
from lianban.db import Base
from lianban.security.fieldcrypt import DataKey, DataKeyring, use_field_encryption
from sandbox_cases import bearer, file_hebei_case
from support.worker import run_worker

OLD = DataKey("2025", bytes(range(32)))
NEW = DataKey("2026", bytes(range(100, 132)))
LOOKUP_KEY = "4c" * 32
SEALED = re.compile(r"enc:v1:\w+:([\w.-]+):")
DEPARTMENTS = ("hrss", "archives", "social_insurance", "medical_insurance", "tax")


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"LIANBAN_DATA_KEYS": OLD.spec, "LIANBAN_LOOKUP_KEY": LOOKUP_KEY}


def her_case_to_its_delivery(client: TestClient) -> None:
    """She uploads a scan and files; every department approves in its worklist; the worker passes
    the decisions on (notices to her); her 就业创业证 goes by post (Hebei's shipped theme issues
    e-records only, so the posted delivery is written as a finished case's would be)."""
    case_id, applicant = file_hebei_case(client)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scan = io.BytesIO()
    writer.write(scan)
    uploaded = client.post(
        "/api/v1/uploads",
        headers=applicant,
        data={"material_id": "hukou_book_or_contract", "theme_id": "hebei.flexible-employment"},
        files={"file": ("hukou.pdf", scan.getvalue(), "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    for _ in range(5):
        run_worker(client)
        for department in DEPARTMENTS:
            staff = bearer(client, username=department, password="sandbox")
            for work in client.get("/api/v1/worklist", headers=staff).json():
                if work["case_id"] == case_id:
                    decided = client.post(
                        f"/api/v1/worklist/{work['item_id']}/decision",
                        json={"decision": "approve", "result": {"number": "HB-2026-000123"}},
                        headers=staff,
                    )
                    assert decided.status_code == 200, decided.text
    run_worker(client)
    assert client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()["status"] == "completed"
    with client.app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        session.add(
            Delivery(
                case_id=case_id,
                delivery_id="posted-card",
                method="post",
                documents=[{"code": "employment_card", "name": "就业创业证"}],
                address={"region": "130104", "detail": "中山西路 1 号"},
                recipient="申请人本人 13900000000",
                status="prepared",
                created_at=datetime(2026, 12, 4, 4, 0, tzinfo=UTC),
            )
        )


def key_ids_by_table(database_url: str) -> dict[str, set[str]]:
    """Which data keys the stored ciphertexts of each table are under, read as plain text."""
    engine = create_engine(database_url)
    found: dict[str, set[str]] = {}
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                for column in table.columns:
                    for (value,) in conn.execute(
                        text(f'SELECT CAST("{column.name}" AS TEXT) FROM "{table.name}"')
                    ):
                        for key_id in SEALED.findall(str(value or "")):
                            found.setdefault(table.name, set()).add(key_id)
    finally:
        engine.dispose()
    return found


def test_after_rekey_the_old_key_can_go_and_everything_still_reads(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    her_case_to_its_delivery(client)
    before = key_ids_by_table(database_url)
    for table in ("cases", "case_items", "notices", "deliveries", "uploads", "audit_log"):
        assert before.get(table) == {"2025"}, (table, before)

    env = {
        "LIANBAN_MODE": "sandbox",
        "LIANBAN_DATA_DIR": str(tmp_path / "ops"),
        "LIANBAN_DATA_KEYS": f"{NEW.spec},{OLD.spec}",  # the new key first, the old one still reads
        "LIANBAN_LOOKUP_KEY": LOOKUP_KEY,
    }
    runner = CliRunner(env=env)
    rotated = runner.invoke(cli, ["data", "rekey", "--database-url", database_url, "--batch-size", "1"])
    assert rotated.exit_code == 0, rotated.output
    after = key_ids_by_table(database_url)
    assert {t: ids for t, ids in after.items() if ids != {"2026"}} == {}  # nothing left under 2025
    again = runner.invoke(cli, ["data", "rekey", "--database-url", database_url])
    assert again.exit_code == 0 and "0 row(s) re-encrypted" in again.output

    engine = client.app.state.engine  # type: ignore[attr-defined]
    use_field_encryption(engine, DataKeyring([NEW]), client.app.state.catalogue)  # type: ignore[attr-defined]
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        for table in Base.metadata.sorted_tables:  # every row through its column types, 2026 only
            session.execute(select(table)).all()
    verified = runner.invoke(cli, ["audit", "verify", "--database-url", database_url])
    assert verified.exit_code == 0 and "audit log intact" in verified.output, verified.output
