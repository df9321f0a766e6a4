"""A department's callback names its sub-item by the receipt number it gave (受理编号): the item is
found through the (department, receipt) index, not by reading every item of the department."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from lianban.migrate import upgrade


def test_the_callbacks_lookup_uses_the_department_receipt_index(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    with create_engine(sqlite_url).connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT case_id, item_id FROM case_items "
                    "WHERE receipt_no = :r AND department = :d"
                ),
                {"r": "HRSS-2026-000123", "d": "hrss"},
            )
        )
    assert "ix_case_items_department_receipt" in plan, plan
