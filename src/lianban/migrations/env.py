"""Alembic environment: the URL comes from the Config object built in lianban.migrate, and the
engine too when the caller has one (the platform's, carrying its keys: a migration that converts
rows seals and hashes with them)."""

from __future__ import annotations

from alembic import context

import lianban.tables  # noqa: F401  (registers every room's tables on Base.metadata)
from lianban.db import Base, is_sqlite, make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
given = config.attributes.get("engine")
engine = given if given is not None else make_engine(url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=is_sqlite(url),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
if given is None:
    engine.dispose()
