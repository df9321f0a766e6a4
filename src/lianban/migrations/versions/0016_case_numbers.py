"""办件编号: the national case number (region code + date + sequence) beside the internal case id,
its sequence per region and day; existing cases numbered in the order they were accepted.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CHINA = timezone(timedelta(hours=8))


def _china_day(at: Any) -> date:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(CHINA).date()  # type: ignore[no-any-return]


def _shipped_regions() -> dict[str, str]:
    """Each shipped theme's region code, for cases whose theme version was never stored."""
    try:
        from lianban.catalog.catalogue import default_catalogue

        return {t.id: t.region_code for t in default_catalogue().themes.values()}
    except Exception:  # a catalogue that cannot load: those cases get 000000
        return {}


def upgrade() -> None:
    op.create_table(
        "case_number_sequences",
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "day", name=op.f("pk_case_number_sequences")),
    )
    # a plain ADD COLUMN and a unique index: no copy of the cases table (others refer to it)
    op.add_column("cases", sa.Column("case_no", sa.String(30), nullable=True))
    op.create_index(op.f("ix_cases_case_no"), "cases", ["case_no"], unique=True)
    conn = op.get_bind()
    regions: dict[tuple[str, str], str] = {}
    for theme_id, digest, definition in conn.execute(
        sa.text("SELECT theme_id, digest, definition FROM theme_versions")
    ):
        body = json.loads(definition) if isinstance(definition, str) else definition
        regions[(theme_id, digest)] = str(body.get("region_code", "000000"))
    shipped = _shipped_regions()
    last: dict[tuple[str, date], int] = {}
    rows = conn.execute(
        sa.text(
            "SELECT case_id, theme_id, theme_digest, accepted_at FROM cases ORDER BY accepted_at, case_id"
        )
    ).fetchall()
    for case_id, theme_id, digest, accepted_at in rows:
        region = regions.get((theme_id, digest)) or shipped.get(theme_id, "000000")
        day = _china_day(accepted_at)
        last[(region, day)] = last.get((region, day), 0) + 1
        conn.execute(
            sa.text("UPDATE cases SET case_no = :no WHERE case_id = :id"),
            {"no": f"{region}{day:%Y%m%d}{last[(region, day)]:06d}", "id": case_id},
        )
    if last:
        conn.execute(
            sa.text("INSERT INTO case_number_sequences (region_code, day, last) VALUES (:r, :d, :n)"),
            [{"r": r, "d": d, "n": n} for (r, d), n in last.items()],
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_case_no"), table_name="cases")
    op.drop_column("cases", "case_no")
    op.drop_table("case_number_sequences")
