"""The audit log is tamper-evident (审计日志防篡改), as X-Road's message log: every entry carries the
SM3 hash (国密) of the one before it, one chain per day (China time); `lianban audit verify` names
the first entry that does not fit; PostgreSQL refuses UPDATE and DELETE on it; `lianban audit
prune` drops days past the retention (≥ 6 months) and leaves an anchor with the dropped day's last
hash; the day's sequence comes from the database inside the writing transaction, so parallel
writers never collide.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from lianban.catalog.catalogue import default_catalogue
from lianban.cli.main import app
from lianban.config import ConfigError, Mode, load_settings
from lianban.db import make_engine, session_factory
from lianban.migrate import upgrade
from lianban.security.audit import AuditEntry, append, prune, verify
from lianban.security.fieldcrypt import DataKey, DataKeyring, use_field_encryption
from lianban.security.lookup import use_lookup_key

runner = CliRunner()


def keyed(url: str):  # type: ignore[no-untyped-def]
    """An engine with what a process writing the log holds: the lookup key (actors are kept as
    keyed hashes) and data keys (beside them, their ciphertext)."""
    engine = make_engine(url)
    use_lookup_key(engine, bytes.fromhex("4c" * 32))
    use_field_encryption(engine, DataKeyring([DataKey("audit", bytes(range(32)))]), default_catalogue())
    return engine


NOON = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


def sessions_for(url: str):  # type: ignore[no-untyped-def]
    upgrade(url)
    return session_factory(keyed(url), {})


def a_days_work(url: str, at: datetime = NOON, entries: int = 5) -> None:
    """A window clerk files for a walk-in applicant, departments answer, a reviewer reads."""
    sessions = sessions_for(url)
    for n in range(entries):
        with sessions() as session, session.begin():
            append(
                session,
                at + timedelta(minutes=n),
                f"staff:clerk{n % 2}",
                "submit" if n == 0 else "callback",
                {"item": "employment_registration", "n": n},
                case_id="LB20261204000000000001",
            )


def test_an_intact_log_verifies_and_an_edited_row_is_named(sqlite_url: str) -> None:
    a_days_work(sqlite_url)
    ok = runner.invoke(app, ["audit", "verify", "--database-url", sqlite_url])
    assert ok.exit_code == 0, ok.output
    assert "5" in ok.output and "2026-12-04" in ok.output
    # someone with the database file changes what the third entry says, by hand
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET action = 'view' WHERE day = '2026-12-04' AND seq = 3"))
    broken = runner.invoke(app, ["audit", "verify", "--database-url", sqlite_url])
    assert broken.exit_code == 1
    assert "2026-12-04 #3" in broken.output  # the first broken entry, by day and number


def test_a_deleted_entry_breaks_the_chain_after_it(sqlite_url: str) -> None:
    a_days_work(sqlite_url)
    with create_engine(sqlite_url).begin() as conn:  # someone with the file lifts the trigger first
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        conn.execute(text("DELETE FROM audit_log WHERE day = '2026-12-04' AND seq = 2"))
    sessions = sessions_for(sqlite_url)
    with sessions() as session:
        report = verify(session)
    assert not report.intact
    assert report.first_broken is not None and report.first_broken.startswith("2026-12-04 #3")


def test_sqlite_refuses_to_update_or_delete_an_entry(sqlite_url: str) -> None:
    a_days_work(sqlite_url, entries=2)
    engine = create_engine(sqlite_url)
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with session_factory(make_engine(sqlite_url), {})() as session:
        report = verify(session)
    assert report.intact and report.entries == 2


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete(postgres_url: str) -> None:
    a_days_work(postgres_url, entries=2)
    engine = create_engine(postgres_url)
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with session_factory(keyed(postgres_url), {})() as session:
        assert verify(session).intact


@pytest.mark.postgres
def test_postgresql_lets_data_rekey_change_only_the_actors_copy(postgres_url: str) -> None:
    """``lianban data rekey`` re-encrypts ``actor_sealed`` (outside the hash) inside a transaction
    that says so; even there, anything the chain covers stays refused."""
    a_days_work(postgres_url, entries=2)
    engine = create_engine(postgres_url)
    for statement in (
        "UPDATE audit_log SET actor = 'x'",
        "UPDATE audit_log SET action = 'view', actor_sealed = 'y'",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("SET LOCAL lianban.audit_rekey = 'on'"))
            conn.execute(text(statement))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:  # not without saying so
        conn.execute(text("UPDATE audit_log SET actor_sealed = 'y'"))
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lianban.audit_rekey = 'on'"))
        assert conn.execute(text("UPDATE audit_log SET actor_sealed = actor_sealed")).rowcount == 2
    with session_factory(keyed(postgres_url), {})() as session:
        assert verify(session).intact


@pytest.mark.parametrize(
    "url_fixture", ["sqlite_url", pytest.param("postgres_url", marks=pytest.mark.postgres)]
)
def test_prune_keeps_the_log_verifiable(url_fixture: str, request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue(url_fixture)
    old = NOON - timedelta(days=200)
    a_days_work(url, at=old, entries=3)
    a_days_work(url, entries=2)
    sessions = sessions_for(url)
    with sessions() as session:
        old_last = session.scalars(
            select(AuditEntry.hash).where(AuditEntry.day == date(2026, 5, 18)).order_by(AuditEntry.seq.desc())
        ).first()
    assert old_last is not None
    with sessions() as session, session.begin():
        pruned = prune(session, keep_days=183, at=NOON + timedelta(hours=1))
    assert pruned == {date(2026, 5, 18): 3}
    with sessions() as session:
        assert session.scalars(select(AuditEntry).where(AuditEntry.day < date(2026, 6, 1))).all() == []
        anchor = session.scalars(select(AuditEntry).where(AuditEntry.action == "audit_pruned")).one()
        assert anchor.detail == {"day": "2026-05-18", "entries": 3, "last_hash": old_last}
        report = verify(session)
    assert report.intact, report.first_broken
    assert report.pruned_days == [date(2026, 5, 18)]
    with pytest.raises(DBAPIError, match="append-only"), create_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))  # refused again once the prune is over


def test_retention_is_at_least_six_months(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LIANBAN_AUDIT_RETENTION_DAYS"):
        load_settings({"LIANBAN_AUDIT_RETENTION_DAYS": "30"}, mode=Mode.SANDBOX)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path)}, mode=Mode.SANDBOX)
    assert settings.audit_retention_days >= 183


@pytest.mark.parametrize(
    "url_fixture", ["sqlite_url", pytest.param("postgres_url", marks=pytest.mark.postgres)]
)
def test_parallel_writers_never_collide(url_fixture: str, request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue(url_fixture)
    sessions = sessions_for(url)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for k in range(15):
                with sessions() as session, session.begin():
                    append(session, NOON, f"department:d{n}", "callback", {"k": k}, case_id=f"C{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions() as session:
        seqs = session.scalars(select(AuditEntry.seq).where(AuditEntry.day == date(2026, 12, 4))).all()
        assert sorted(seqs) == list(range(1, 91))
        assert verify(session).intact
