"""办件编号 (the national case number): the theme's region code, the acceptance date in China and
that region's sequence of the day — ``42000020261204000017`` — given out in the filing's own
transaction by one upsert on ``case_number_sequences``.

The upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, SQLite ≥ 3.35 and PostgreSQL) takes the
region-day row's lock until the filing commits, so two filings racing for the same region and day
get consecutive numbers and never the same one; a filing rolled back gives its number back with it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lianban.cases.schema import CaseNumberSequence
from lianban.catalog.item_codes import case_number


def next_case_number(session: Session, region_code: str, day: date) -> str:
    """The next 办件编号 of ``region_code`` on ``day``."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(CaseNumberSequence)
        .values(region_code=region_code, day=day, last=1)
        .on_conflict_do_update(
            index_elements=["region_code", "day"], set_={"last": CaseNumberSequence.last + 1}
        )
        .returning(CaseNumberSequence.last)
    )
    sequence = int(session.execute(statement).scalar_one())
    return case_number(region_code, day, sequence)
