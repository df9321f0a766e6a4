"""Who an audit entry names cannot be changed unseen (操作人副本核对): an entry keeps its actor as a
keyed hash, covered by the day's chain, and beside it the actor encrypted (``actor_sealed``),
outside the chain. Someone with write access to the database who puts another entry's copy in its
place leaves the chain intact; ``lianban audit verify`` with the keys opens every copy, hashes it
and names each entry whose copy is not the hashed actor, and exits 1. Without the keys it still
verifies the chains and says that the copies were not checked. SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from test_audit_chain import a_days_work
from typer.testing import CliRunner

from lianban.cli.main import app
from lianban.security.fieldcrypt import DataKey

KEYS = {  # the keys a_days_work wrote the log with
    "LIANBAN_DATA_KEYS": DataKey("audit", bytes(range(32))).spec,
    "LIANBAN_LOOKUP_KEY": "4c" * 32,
}


def operator(tmp_path: Path, **keys: str) -> CliRunner:
    """The operator's shell on the production host."""
    return CliRunner(env={"LIANBAN_MODE": "production", "LIANBAN_DATA_DIR": str(tmp_path / "ops"), **keys})


def put_second_entrys_actor_on_the_third(url: str) -> None:
    """Someone with write access makes the third entry (staff:clerk0's) show staff:clerk1, by
    copying the second entry's encrypted actor over it — the one column outside the chain."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        else:  # the trigger lets actor_sealed alone through in a transaction that says so
            conn.execute(text("SET LOCAL lianban.audit_rekey = 'on'"))
        changed = conn.execute(
            text(
                "UPDATE audit_log SET actor_sealed = (SELECT actor_sealed FROM audit_log "
                "WHERE day = '2026-12-04' AND seq = 2) WHERE day = '2026-12-04' AND seq = 3"
            )
        )
        assert changed.rowcount == 1
    engine.dispose()


def test_an_untouched_log_and_its_actor_copies_verify(database_url: str, tmp_path: Path) -> None:
    a_days_work(database_url)
    result = operator(tmp_path, **KEYS).invoke(app, ["audit", "verify", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 5 entries" in result.output
    assert "操作人加密副本已核对 5 条，均与哈希链相符" in result.output


def test_a_copy_put_in_another_entrys_place_is_named(database_url: str, tmp_path: Path) -> None:
    a_days_work(database_url)
    put_second_entrys_actor_on_the_third(database_url)
    result = operator(tmp_path, **KEYS).invoke(app, ["audit", "verify", "--database-url", database_url])
    assert result.exit_code == 1, result.output
    assert "audit log intact: 5 entries" in result.output  # the chain alone cannot see it
    assert "操作人加密副本不符 / actor copies do not match: 1 条" in result.output
    named = [line.strip() for line in result.output.splitlines() if "第 " in line]
    assert named == [
        "2026-12-04 第 3 条（callback，LB20261204000000000001）："
        "操作人的加密副本与哈希链中的操作人不符（副本被改动或被替换）"
    ]


def test_without_the_keys_the_chain_is_verified_and_the_copies_said_unchecked(
    database_url: str, tmp_path: Path
) -> None:
    a_days_work(database_url)
    put_second_entrys_actor_on_the_third(database_url)
    result = operator(tmp_path).invoke(app, ["audit", "verify", "--database-url", database_url])
    assert result.exit_code == 0, result.output
    assert "audit log intact: 5 entries" in result.output
    assert (
        "未核对操作人加密副本：缺少密钥 LIANBAN_DATA_KEYS、LIANBAN_LOOKUP_KEY，只校验了哈希链"
        in result.output
    )
