"""The schema migrates and the catalogue loads into the database, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect, select

from lianban.cases.schema import ThemeVersion
from lianban.cases.theme_store import store_themes, stored_theme_counts
from lianban.catalog.catalogue import default_catalogue
from lianban.db import make_engine, session_factory
from lianban.migrate import current_revision, head_revision, upgrade

DOCUMENT_ITEM_COUNTS = {
    "hubei.graduate-employment": 8,
    "hubei.flexible-employment": 7,
    "zibo.unit-employment": 6,
    "zibo.flexible-employment": 7,
    "shangrao.recruitment": 4,
    "hebei.flexible-employment": 6,
}


def test_a_new_database_migrates_to_the_newest_revision(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision(database_url)
        assert "theme_versions" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_migrating_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision(database_url)
    finally:
        engine.dispose()


def test_the_six_themes_load_into_the_database_once(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    catalogue = default_catalogue()
    try:
        make_session = session_factory(engine)
        with make_session() as session, session.begin():
            assert store_themes(session, catalogue) == 6
        with make_session() as session, session.begin():
            assert store_themes(session, catalogue) == 0, "a second load must not duplicate versions"
        with make_session() as session:
            assert stored_theme_counts(session) == DOCUMENT_ITEM_COUNTS
            row = session.execute(
                select(ThemeVersion).where(ThemeVersion.theme_id == "hubei.graduate-employment")
            ).scalar_one()
            assert row.digest == catalogue.theme_digest("hubei.graduate-employment")
            assert row.definition["name"] == "“高校毕业生就业”一件事"
            assert len(row.definition["items"]) == 8
    finally:
        engine.dispose()


def test_the_migrations_match_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import lianban.tables  # noqa: F401  (every room's tables)
    from lianban.db import Base

    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff
    finally:
        engine.dispose()
