"""Applications (办件) as a service: filing one form for many sub-items, the caller's own cases,
one case as its applicant sees it.

Filing checks the form as the pre-check does, then writes the case, its sub-items, the first
outbox jobs and the audit entry in one transaction. An applicant sees only own cases, an employer
only its unit's, a window clerk those filed at the window; another's case is not found (never
forbidden, so its existence is not revealed). A repeated ``Idempotency-Key`` answers the case it
created; the same key with another request is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import PoolProxiedConnection

from lianban.cases.filing import find_by_key, key_used_on, prepare_case, write_case
from lianban.cases.filing_gate import filing_turn
from lianban.cases.materials import check_references
from lianban.cases.reading import case_summary, case_view, item_names, my_cases, my_cases_page, visible
from lianban.cases.schema import Case, CaseItem
from lianban.catalog.model import Theme
from lianban.context import Context
from lianban.db import engine_of, raw_writing
from lianban.drafts.service import discard_on_filing
from lianban.errors import Conflict, Forbidden, Invalid
from lianban.forms.service import FilledForm, checked_or_refused, theme_of
from lianban.prepared import autocommit
from lianban.security.lookup import lookup_hash, lookup_key
from lianban.security.tokens import Identity, Role

FILERS = {Role.APPLICANT, Role.EMPLOYER, Role.WINDOW_CLERK}


@dataclass(frozen=True)
class Application:
    """One filing: the theme, the filled form, the materials uploaded, the channel."""

    theme_id: str
    filled: FilledForm
    materials: list[dict[str, str]] = field(default_factory=list)
    channel: str = "web"  # web | app | window

    def request_hash(self) -> str:
        """What an Idempotency-Key is checked against (the request as the applicant sent it)."""
        body = {
            "items": self.filled.items,
            "situation": self.filled.situation,
            "form": self.filled.form,
            "facts": self.filled.facts,
            "theme_id": self.theme_id,
            "materials": self.materials,
            "channel": self.channel,
        }
        return hashlib.sha256(
            json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
        ).hexdigest()


@dataclass(frozen=True)
class Filing:
    answer: dict[str, Any]
    created: bool  # False: an earlier request with the same key created it


def owner_of(identity: Identity, application: Application, employer_theme: bool) -> str:
    """Whose case it is: the caller, or — at the window (帮办代办) — the applicant the form names."""
    if identity.role is Role.WINDOW_CLERK:
        key = "employer.uscc" if employer_theme else "person.id_number"
        value = str(application.filled.form.get(key) or "").strip().upper()
        if not value:
            raise Invalid(
                f"窗口代办须填写申请人的 {key}", f"filing at the window needs the applicant's {key}"
            )
        return f"{'employer' if employer_theme else 'person'}:{value}"
    if application.channel == "window":
        raise Forbidden("只有综窗工作人员可以窗口受理", "only window clerks file at the window")
    if employer_theme and identity.role is not Role.EMPLOYER:
        raise Forbidden("该主题须由用人单位申请", "this theme is applied for by an employer")
    if not employer_theme and identity.role is not Role.APPLICANT:
        raise Forbidden("该主题须由个人申请", "this theme is applied for by a person")
    return identity.subject


def _idempotency_conflict() -> Conflict:
    return Conflict(
        "同一 Idempotency-Key 已用于内容不同的申请",
        "the Idempotency-Key was used for a different request",
        title=("幂等键冲突", "Idempotency conflict"),
    )


def _replay(ctx: Context, owner: str, key: str, request_hash: str, theme: Theme) -> Filing | None:
    """The answer to a repeated request, if the key was used before (a conflict if for another)."""
    with ctx.sessions() as session:
        existing = find_by_key(session, owner, key)
        if existing is None:
            return None
        if existing.request_hash != request_hash:
            raise _idempotency_conflict()
        items = list(session.execute(select(CaseItem).where(CaseItem.case_id == existing.case_id)).scalars())
        return Filing(case_summary(existing, items, item_names(theme), ctx.clock.today()), created=False)


def file_application(
    ctx: Context,
    identity: Identity,
    application: Application,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> Filing:
    """受理: check and file ``application`` for the caller (at the window: for the applicant); a
    few at a time per database (:mod:`lianban.cases.filing_gate`), the others wait their turn."""
    if identity.role not in FILERS:
        raise Forbidden("该角色不能提交申请", "this role cannot file applications")
    with filing_turn(ctx):
        # one pooled driver connection for the filing: the key's look-up, then the write
        engine = engine_of(ctx.sessions)
        conn = engine.raw_connection()
        try:
            return _file(ctx, conn, identity, application, idempotency_key, request_hash)
        finally:
            conn.close()


def _file(
    ctx: Context,
    conn: PoolProxiedConnection,
    identity: Identity,
    application: Application,
    idempotency_key: str | None,
    request_hash: str | None,
) -> Filing:
    engine = engine_of(ctx.sessions)
    theme = theme_of(ctx, application.theme_id)
    owner = owner_of(identity, application, theme.applicant_type == "employer")
    digest = request_hash or application.request_hash()
    if idempotency_key:  # a repeat answers before any work is redone
        # the usual answer, a new key, is one look-up by the (owner, key) index; a key used
        # before then reads its case
        with autocommit(engine, conn):
            used = key_used_on(conn, engine.dialect, owner, idempotency_key)
        repeated = None if used is None else _replay(ctx, owner, idempotency_key, digest, theme)
        if repeated is not None:
            return repeated
    checked = checked_or_refused(ctx, identity, application.theme_id, application.filled)
    check_references(ctx, identity, theme, application.materials)
    if not checked.payloads:
        raise Invalid(
            "按所填情形，没有事项适用", "no item applies", title=("没有可办理的事项", "No item to handle")
        )
    # everything computed before the write (prefill and checks above; split, due dates, sealing here)
    prepared = prepare_case(
        ctx.catalogue,
        theme,
        checked,
        owner=owner,
        actor=identity.subject,
        channel="window" if identity.role is Role.WINDOW_CLERK else application.channel,
        situation=checked.spec.situation,
        form={**application.filled.form, **checked.values},
        materials=application.materials,
        idempotency_key=idempotency_key,
        request_hash=digest,
        accepted_at=ctx.clock.now(),
        at_rest=ctx.sessions,
        dialect=engine.dialect,
    )
    # the drafts filed (草稿), by their typists' keyed hashes
    key = lookup_key(ctx.sessions)
    typists = sorted({str(lookup_hash(owner, key)), str(lookup_hash(identity.subject, key))})
    try:
        # one short transaction: a SQLite writer from BEGIN IMMEDIATE to its commit
        with raw_writing(engine, conn) as cursor:
            # the draft first, before the rows other filings wait for (write_case)
            discard_on_filing(cursor, engine.dialect, theme.id, *typists)
            write_case(conn, cursor, engine.dialect, prepared)
    except IntegrityError:  # two identical requests raced: the other one created it
        repeated = _replay(ctx, owner, idempotency_key or "", digest, theme)
        if repeated is None:
            raise _idempotency_conflict() from None
        return repeated
    answer = case_summary(prepared.case, prepared.items, item_names(theme), ctx.clock.today())
    answer["warnings"] = [
        {"field": i.field, "code": i.code, "message": i.message_zh} for i in checked.warnings
    ]
    answer["not_applicable"] = [
        {"code": c, "reason": r, "refused": c in checked.refused} for c, r in checked.dropped.items()
    ]
    return Filing(answer, created=True)


def hires_filed(ctx: Context, identity: Identity, theme: Theme, filled: FilledForm) -> set[str]:
    """The ID numbers of the employees filed under the employer's account (its cases' rows): those
    whose shared values the employer may see, masked, in its pre-check. At the window, the
    employer's the form names."""
    if identity.role is Role.WINDOW_CLERK:
        uscc = str(filled.form.get("employer.uscc") or "").strip().upper()
        owner = f"employer:{uscc}" if uscc else None
    else:
        owner = identity.subject if identity.role is Role.EMPLOYER else None
    if owner is None:
        return set()
    numbers: set[str] = set()
    with ctx.sessions() as session:
        for form in session.execute(select(Case.form).where(Case.owner == owner).limit(1000)).scalars():
            for row in form.get("employees") or []:
                if isinstance(row, dict) and row.get("person.id_number"):
                    numbers.add(str(row["person.id_number"]).strip().upper())
    return numbers


__all__ = [
    "Application",
    "Filing",
    "case_summary",
    "case_view",
    "file_application",
    "hires_filed",
    "my_cases",
    "my_cases_page",
    "visible",
]
