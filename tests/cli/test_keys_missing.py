"""An operator's shell without the keys at rest (production, ``LIANBAN_DATA_KEYS`` and
``LIANBAN_LOOKUP_KEY`` unset): every command that needs them stops with one line in Chinese that
names the missing settings and how to make them, and exits 2 — never a traceback. Commands that
need no keys (``audit verify``, ``themes``) still run."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from lianban.bootstrap import keyed_engine
from lianban.cli.main import app
from lianban.config import load_settings
from lianban.migrate import upgrade
from lianban.security.bound import KeysMissing
from lianban.security.fieldcrypt import field_encryption
from lianban.security.lookup import lookup_key
from sandbox_cases import file_hebei_case, give_up_on_registration

DATA_KEYS = "k1:" + "A" * 43 + "="  # 32 bytes
LOOKUP_KEY = "4c" * 32


@pytest.fixture
def app_env() -> dict[str, str]:
    return {"LIANBAN_DATA_KEYS": DATA_KEYS, "LIANBAN_LOOKUP_KEY": LOOKUP_KEY}


def without_keys(tmp_path: Path, **more: str) -> CliRunner:
    """A production shell that sets neither key."""
    return CliRunner(env={"LIANBAN_MODE": "production", "LIANBAN_DATA_DIR": str(tmp_path / "ops"), **more})


def refused_in_one_line(result: Result, *missing: str) -> str:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no KeysMissing, no traceback
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    line = lines[0]
    assert line.startswith("缺少密钥：未设置 " + "、".join(missing) + "（生产模式必填）"), line
    assert "Traceback" not in result.output
    return line


def test_every_command_that_needs_the_keys_names_them_and_how_to_make_them(
    client: TestClient, app_database: str, tmp_path: Path
) -> None:
    case_id, _ = file_hebei_case(client)  # her personal data sealed under k1, her ID number hashed
    give_up_on_registration(client, case_id, "HTTP 503")
    shell = without_keys(tmp_path)
    url = ["--database-url", app_database]
    for command in (
        ["jobs", "failed", *url],  # read the failed items (their payloads sealed)
        ["jobs", "retry", case_id, *url],
        ["data", "rekey", *url],
        ["audit", "prune", *url],  # an anchor entry names its actor, hashed and sealed
        ["worker", "--once", *url],
    ):
        line = refused_in_one_line(shell.invoke(app, command), "LIANBAN_DATA_KEYS", "LIANBAN_LOOKUP_KEY")
        assert "LIANBAN_DATA_KEYS=k1:$(openssl rand -base64 32)" in line, command
        assert "LIANBAN_LOOKUP_KEY=$(openssl rand -hex 32)" in line, command
    serve = shell.invoke(app, ["serve", "--port", "18501", *url])  # refused before it listens
    line = refused_in_one_line(
        serve,
        "LIANBAN_SECRET_KEY",
        "LIANBAN_DATA_KEYS",
        "LIANBAN_LOOKUP_KEY",
        "LIANBAN_CERTIFICATE_KEY",
        "LIANBAN_CERTIFICATE_CERT",
    )
    assert "LIANBAN_SECRET_KEY=$(openssl rand -hex 32)" in line
    assert "LIANBAN_CERTIFICATE_CERT=PEM 文件路径" in line  # issued by a CA, not made up
    sm4 = without_keys(tmp_path, LIANBAN_DATA_CIPHER="sm4").invoke(app, ["data", "rekey", *url])
    assert "LIANBAN_DATA_KEYS=k1:$(openssl rand -base64 16)" in refused_in_one_line(
        sm4, "LIANBAN_DATA_KEYS", "LIANBAN_LOOKUP_KEY"
    )  # SM4-GCM keys are 16 bytes
    assert shell.invoke(app, ["audit", "verify", *url]).exit_code == 0  # needs no key


def test_a_migration_that_must_convert_rows_without_the_keys_names_them(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A deployment upgrading from before identifiers were hashed (0022) has audit entries whose
    actors must be hashed with the lookup key: without it, one line, not Alembic's traceback."""
    upgrade(sqlite_url, "0021")
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (day, seq, at, case_id, actor, action, detail, prev_hash, hash) "
                "VALUES ('2026-12-04', 1, '2026-12-04 04:00:00', NULL, 'staff:clerk1', 'submit', '{}', "
                ":zero, :zero)"
            ),
            {"zero": "0" * 64},
        )
    engine.dispose()
    migrated = without_keys(tmp_path).invoke(app, ["migrate", "--database-url", sqlite_url])
    refused_in_one_line(migrated, "LIANBAN_DATA_KEYS", "LIANBAN_LOOKUP_KEY")


def test_an_engine_with_one_key_set_gets_that_one(sqlite_url: str, tmp_path: Path) -> None:
    """``lianban migrate`` and ``audit verify`` attach the keys that are set (keyed_engine with
    required=False): the lookup key alone set, identifiers hash and the data keys are named missing."""
    settings = load_settings(
        {
            "LIANBAN_MODE": "production",
            "LIANBAN_DATA_DIR": str(tmp_path / "ops"),
            "LIANBAN_LOOKUP_KEY": LOOKUP_KEY,
        },
        database_url=sqlite_url,
    )
    engine = keyed_engine(settings, required=False)
    try:
        assert lookup_key(engine) == bytes.fromhex(LOOKUP_KEY)
        with pytest.raises(KeysMissing) as missing:
            field_encryption(engine)
        assert missing.value.variable == "LIANBAN_DATA_KEYS"
    finally:
        engine.dispose()
