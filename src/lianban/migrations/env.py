"""Alembic environment: the URL comes from the Config object built in lianban.migrate."""

from __future__ import annotations

from alembic import context

import lianban.cases.schema  # registers the tables on Base.metadata
import lianban.security.schema  # noqa: F401
from lianban.db import Base, is_sqlite, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
engine = make_engine(url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=is_sqlite(url),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
