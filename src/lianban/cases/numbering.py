"""办件编号 (the national case number): the theme's region code, the acceptance date in China and
that region's sequence of the day — ``42000020261204000017`` — given out in the filing's own
transaction by one upsert on ``case_number_sequences``.

The upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, SQLite ≥ 3.35 and PostgreSQL) takes the
region-day row's lock until the filing commits, so two filings racing for the same region and day
get consecutive numbers and never the same one; a filing rolled back gives its number back with it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import Dialect, Table, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from lianban.cases.schema import CaseNumberSequence
from lianban.catalog.item_codes import case_number
from lianban.prepared import PreparedWrite

_SEQUENCES: Table = CaseNumberSequence.__table__  # type: ignore[assignment]


@lru_cache(maxsize=4)
def _take(dialect: str) -> Executable:
    """The upsert, built once per dialect (its compiled form is then reused)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_SEQUENCES)
        .values(region_code=bindparam("region_code"), day=bindparam("day"), last=1)
        .on_conflict_do_update(
            index_elements=[_SEQUENCES.c.region_code, _SEQUENCES.c.day], set_={"last": _SEQUENCES.c.last + 1}
        )
        .returning(_SEQUENCES.c.last)
    )


def next_case_number(session: Session, region_code: str, day: date) -> str:
    """The next 办件编号 of ``region_code`` on ``day``."""
    conn = session.connection()
    sequence = int(
        conn.execute(_take(conn.dialect.name), {"region_code": region_code, "day": day}).scalar_one()
    )
    return case_number(region_code, day, sequence)


@lru_cache(maxsize=4)
def _take_by_driver(dialect: str) -> PreparedWrite:
    return PreparedWrite(_take(dialect))


def send_case_number(cursor: DBAPICursor, dialect: Dialect, region_code: str, day: date) -> None:
    """Take the next 办件编号 of ``region_code`` on ``day`` on a driver cursor in the caller's
    transaction (:func:`lianban.db.raw_writing`); its sequence is left on ``cursor`` for
    :func:`taken_case_number` (in a pipeline, queued with the statements before it)."""
    _take_by_driver(dialect.name).send(cursor, dialect, {"region_code": region_code, "day": day})


def taken_case_number(cursor: DBAPICursor, region_code: str, day: date) -> str:
    """The 办件编号 :func:`send_case_number` took on ``cursor``."""
    ((sequence,),) = cursor.fetchall()
    return case_number(region_code, day, int(sequence))
