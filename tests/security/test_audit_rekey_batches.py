"""``lianban data rekey`` re-encrypts the audit log's actor copies ``--batch-size`` entries per
transaction and reports how far it is (done, total), as the cases' step does. SQLite and PostgreSQL.
The SQLite triggers prune and rekey create again are the ones the migrations made.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from test_audit_chain import a_days_work

from lianban.catalog.catalogue import default_catalogue
from lianban.db import make_engine, session_factory
from lianban.security.audit import verify
from lianban.security.audit.ledger import SQLITE_NO_DELETE, SQLITE_NO_UPDATE
from lianban.security.audit.rekey import rekey_actors
from lianban.security.fieldcrypt import DataKey, DataKeyring, use_field_encryption
from lianban.security.lookup import use_lookup_key

OLD = DataKey("audit", bytes(range(32)))  # the key a_days_work wrote the log with
NEW = DataKey("audit2", bytes(range(100, 132)))


def key_ids(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor_sealed FROM audit_log ORDER BY day, seq")).scalars().all()
    engine.dispose()
    return [str(value).split(":")[3] for value in rows]


def test_actor_copies_are_rekeyed_in_batches_with_progress(database_url: str) -> None:
    a_days_work(database_url)  # five entries, their actors under OLD
    assert key_ids(database_url) == ["audit"] * 5
    engine = make_engine(database_url)
    use_lookup_key(engine, bytes.fromhex("4c" * 32))
    use_field_encryption(engine, DataKeyring([NEW, OLD]), default_catalogue())
    seen: list[tuple[int, int]] = []
    try:
        rewritten = rekey_actors(session_factory(engine, {}), 2, lambda n, of: seen.append((n, of)))
        assert rewritten == 5
        assert seen == [(2, 5), (4, 5), (5, 5)]  # one transaction per two entries
        assert key_ids(database_url) == ["audit2"] * 5
        seen.clear()
        assert rekey_actors(session_factory(engine, {}), 10, lambda n, of: seen.append((n, of))) == 0
        assert seen == [(5, 5)]  # looked at, none rewritten the second time
        with session_factory(engine, {})() as session:
            report = verify(session)
        assert report.intact and report.copies_checked == 5 and not report.bad_copies
    finally:
        engine.dispose()


def test_the_runtime_sqlite_triggers_are_the_migrations(sqlite_url: str) -> None:
    """prune and rekey create again, from ledger.py's one copy, the triggers the migrations made."""
    a_days_work(sqlite_url)  # migrated
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        made = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all())
    engine.dispose()
    assert made["audit_log_no_delete"] == SQLITE_NO_DELETE
    assert made["audit_log_no_update"] == SQLITE_NO_UPDATE
