"""Storing the catalogue's theme definitions in the database (主题版本入库)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianban.cases.schema import ThemeVersion
from lianban.catalog.catalogue import Catalogue


def store_themes(session: Session, catalogue: Catalogue) -> int:
    """Insert every theme version not yet stored; returns how many were new. Idempotent."""
    added = 0
    for theme_id, theme in catalogue.themes.items():
        digest = catalogue.theme_digest(theme_id)
        if session.get(ThemeVersion, (theme_id, digest)) is None:
            session.add(
                ThemeVersion(
                    theme_id=theme_id,
                    digest=digest,
                    name=theme.name,
                    item_count=len(theme.items),
                    definition=catalogue.theme_json(theme_id),
                )
            )
            added += 1
    session.flush()
    return added


def stored_theme_counts(session: Session) -> dict[str, int]:
    """Theme id → item count of its newest stored version."""
    newest = (
        select(ThemeVersion.theme_id, func.max(ThemeVersion.loaded_at).label("at"))
        .group_by(ThemeVersion.theme_id)
        .subquery()
    )
    rows = session.execute(
        select(ThemeVersion.theme_id, ThemeVersion.item_count).join(
            newest, (newest.c.theme_id == ThemeVersion.theme_id) & (newest.c.at == ThemeVersion.loaded_at)
        )
    )
    return {theme_id: count for theme_id, count in rows}
