"""好差评: ratings of cases and items, the departments they concern, and 差评 follow-ups (整改).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("rating_id", sa.String(40), nullable=False),
        sa.Column("target", sa.String(60), nullable=False),
        sa.Column("rater", sa.String(100), nullable=False),
        sa.Column("theme_id", sa.String(100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], name=op.f("fk_ratings_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "rating_id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("case_id", "rater", "target", name="uq_ratings_once"),
    )
    op.create_index(op.f("ix_ratings_theme_id"), "ratings", ["theme_id"])
    op.create_index(op.f("ix_ratings_at"), "ratings", ["at"])
    op.create_table(
        "rated_departments",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("rating_id", sa.String(40), nullable=False),
        sa.Column("department", sa.String(30), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_rated_departments_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "rating_id", "department", name=op.f("pk_rated_departments")),
    )
    op.create_table(
        "rating_follow_ups",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("follow_up_id", sa.String(60), nullable=False),
        sa.Column("rating_id", sa.String(40), nullable=False),
        sa.Column("department", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_due_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("applicant_level", sa.Integer(), nullable=True),
        sa.Column("applicant_comment", sa.Text(), nullable=True),
        sa.Column("applicant_rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_rating_follow_ups_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "follow_up_id", name=op.f("pk_rating_follow_ups")),
    )
    op.create_index(op.f("ix_rating_follow_ups_department"), "rating_follow_ups", ["department"])
    op.create_index(op.f("ix_rating_follow_ups_status"), "rating_follow_ups", ["status"])
    op.create_index(op.f("ix_rating_follow_ups_due_date"), "rating_follow_ups", ["due_date"])


def downgrade() -> None:
    op.drop_table("rating_follow_ups")
    op.drop_table("rated_departments")
    op.drop_table("ratings")
