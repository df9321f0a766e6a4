"""Keeping, reading and discarding drafts (草稿), and re-encrypting them when keys rotate.

Only the person typing sees a draft: an applicant their own, an employer its unit's, a window
clerk the drafts of the forms being filled at the desk. Filing an application deletes the filer's
draft of that theme (and the applicant's, when a clerk files for them) in the filing transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, Dialect, String, Table, bindparam, delete, select, type_coerce, update
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session, sessionmaker

from lianban.catalog.catalogue import Catalogue
from lianban.clock import aware
from lianban.drafts.schema import Draft
from lianban.errors import Forbidden, not_found
from lianban.prepared import PreparedWrite
from lianban.security.fieldcrypt import ProtectedJSON, field_encryption
from lianban.security.lookup import lookup_hash
from lianban.security.tokens import Identity, Role

TYPISTS = (Role.APPLICANT, Role.EMPLOYER, Role.WINDOW_CLERK)


@dataclass(frozen=True)
class DraftContent:
    form: dict[str, Any]
    situation: dict[str, Any] = field(default_factory=dict)
    items: list[str] | None = None
    materials: list[dict[str, Any]] = field(default_factory=list)
    step: str | None = None


def _typist(identity: Identity, session: Session) -> str:
    if identity.role not in TYPISTS:
        raise Forbidden(
            "只有申请人、用人单位和综窗人员保存草稿",
            "only applicants, employers and window clerks keep drafts",
        )
    return str(lookup_hash(identity.subject, session))  # drafts are kept by the typist's keyed hash


def _theme(catalogue: Catalogue, theme_id: str) -> None:
    if theme_id not in catalogue.themes:
        raise not_found(f"主题 {theme_id} ", f"theme {theme_id}")


def draft_json(draft: Draft) -> dict[str, Any]:
    return {
        "theme_id": draft.theme_id,
        "form": draft.form,
        "situation": draft.situation,
        "items": draft.items,
        "materials": draft.materials,
        "step": draft.step,
        "updated_at": aware(draft.updated_at).isoformat(),
        "expires_at": aware(draft.expires_at).isoformat(),
    }


def save_draft(
    session: Session,
    catalogue: Catalogue,
    identity: Identity,
    theme_id: str,
    content: DraftContent,
    now: datetime,
    keep_days: int,
) -> dict[str, Any]:
    """Keep the half-filled form (replacing the previous draft of the theme); expired drafts go."""
    owner = _typist(identity, session)
    _theme(catalogue, theme_id)
    purge_expired(session, now)
    draft = session.get(Draft, (owner, theme_id))
    if draft is None:
        draft = Draft(owner=owner, theme_id=theme_id)
        session.add(draft)
    draft.form = content.form
    draft.situation = content.situation
    draft.items = content.items
    draft.materials = content.materials
    draft.step = content.step
    draft.updated_at = now
    draft.expires_at = now + timedelta(days=keep_days)
    session.flush()
    return draft_json(draft)


def read_draft(
    session: Session, catalogue: Catalogue, identity: Identity, theme_id: str, now: datetime
) -> dict[str, Any]:
    owner = _typist(identity, session)
    _theme(catalogue, theme_id)
    draft = session.get(Draft, (owner, theme_id))
    if draft is None or aware(draft.expires_at) <= now:
        raise not_found(f"主题 {theme_id} 的草稿", f"a draft of theme {theme_id}")
    return draft_json(draft)


def discard_draft(session: Session, identity: Identity, theme_id: str) -> None:
    """Delete the caller's draft of the theme (nothing to delete is fine)."""
    session.execute(
        delete(Draft).where(Draft.owner == _typist(identity, session), Draft.theme_id == theme_id)
    )


def discard_on_filing(cursor: DBAPICursor, dialect: Dialect, theme_id: str, *owners: str) -> None:
    """The application is filed: the drafts it came from are done with — deleted in the filing
    transaction, on its driver cursor (:func:`lianban.db.raw_writing`). ``owners`` as stored:
    their keyed hashes (:func:`~lianban.security.lookup.lookup_hash`, taken before the transaction);
    one or two (the filer, and the applicant a clerk files for)."""
    first, *rest = owners
    _DISCARD.run(cursor, dialect, {"theme_id": theme_id, "owner": first, "filer": rest[0] if rest else first})


_DRAFTS = cast(Table, Draft.__table__)
# the owner as stored (its keyed hash: compared as text, not hashed again); built once, compiled
# once per dialect
_STORED_OWNER = type_coerce(_DRAFTS.c.owner, String)
_DISCARD = PreparedWrite(
    delete(_DRAFTS).where(
        _DRAFTS.c.theme_id == bindparam("theme_id"),
        _STORED_OWNER.in_([bindparam("owner", type_=String), bindparam("filer", type_=String)]),
    )
)


def purge_expired(session: Session, now: datetime) -> int:
    """Delete every draft not touched for the keep time; returns how many."""
    result = session.execute(delete(Draft).where(Draft.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def rekey_drafts(
    sessions: sessionmaker[Session], batch_size: int = 200, progress: Callable[[int], None] | None = None
) -> int:
    """Re-encrypt drafts' personal values under the keyring's first key (``lianban data rekey``)."""
    crypt = field_encryption(sessions)
    column = Draft.__table__.c.form
    kind = column.type
    assert isinstance(kind, ProtectedJSON)
    # the owner as stored (its keyed hash): compared as text, not hashed again as a look-up would
    stored_owner = type_coerce(Draft.__table__.c.owner, String)
    rewritten = 0
    after: tuple[str, str] = ("", "")
    while True:
        with sessions() as session, session.begin():
            rows = session.execute(
                select(stored_owner, Draft.theme_id, type_coerce(column, JSON))
                .where((stored_owner > after[0]) | ((stored_owner == after[0]) & (Draft.theme_id > after[1])))
                .order_by(stored_owner, Draft.theme_id)
                .limit(batch_size)
                .with_for_update()
            ).all()
            if not rows:
                return rewritten
            for owner, theme_id, raw in rows:
                if kind.stale(raw, crypt):
                    session.execute(
                        update(Draft)
                        .where(stored_owner == owner, Draft.theme_id == theme_id)
                        .values(form=kind.open(raw, crypt))
                    )
                    rewritten += 1
            after = (rows[-1][0], rows[-1][1])
        if progress is not None:
            progress(rewritten)
