"""Alembic environment: the URL comes from the Config object built in lianban.migrate."""

from __future__ import annotations

from alembic import context

import lianban.tables  # noqa: F401  (registers every room's tables on Base.metadata)
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
