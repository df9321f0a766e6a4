"""Reading cases as their applicant does (办件查询): one case in two queries, 我的办件 by keyset.

One case (:func:`case_view`): the case with its sub-items in one query (a join; the form and the
departments' payloads — encrypted personal data — are neither read nor decrypted), then its
timeline, in-app notices and deliveries in a second (one ``UNION ALL``). Whose case it is is part
of the first query's condition (the owner, or for a window clerk the clerk who filed it), so
another's case is not found, never forbidden — and no stored owner is read or compared. Both run
as prepared reads (:mod:`lianban.prepared`) on one pooled connection.

我的办件 (:func:`my_cases`): newest first, a page at a time by keyset — the cursor is the last
case's (acceptance time, case id), so page 500 costs what page 1 does (no OFFSET), on the index
(owner, accepted_at, case_id).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    literal,
    null,
    or_,
    select,
    union_all,
)

from lianban.cases.filed import FiledCase, FiledItem
from lianban.cases.obligations import obligations_of
from lianban.cases.schema import Case, CaseItem, Delivery, Notice, TimelineEvent
from lianban.catalog.model import Theme
from lianban.context import Context
from lianban.db import engine_of
from lianban.errors import Invalid, not_found
from lianban.prepared import Prepared, reading
from lianban.security.audit import append
from lianban.security.fieldcrypt.column import ProtectedJSON, SealedText
from lianban.security.tokens import Identity, Role

PAGE = 200  # cases per page of 我的办件 (the list's length before it was paged)
MAX_PAGE = 500

_CASE = (
    Case.case_id,
    Case.case_no,
    Case.theme_id,
    Case.status,
    Case.channel,
    Case.accepted_at,
    Case.due_date,
    Case.promised_due_date,
)
_ITEM = (  # in FiledItem's order: a row read is built into the value a filing answers with
    CaseItem.item_id,
    CaseItem.code,
    CaseItem.employee,
    CaseItem.department,
    CaseItem.status,
    CaseItem.legal_due_date,
    CaseItem.promised_due_date,
    CaseItem.updated_at,
    CaseItem.receipt_no,
    CaseItem.reason,
    CaseItem.result,
)


class _Feedback(NamedTuple):
    kind: str  # t: a timeline event, n: an in-app notice, d: a delivery
    seq: int
    at: datetime
    a: str | None
    b: str | None
    c: str | None
    d: str | None
    e: str | None
    f: str | None
    g: str | None
    h: str | None


def item_names(theme: Theme | None) -> dict[str, str]:
    return {it.code: it.name for it in theme.items} if theme is not None else {}


def _iso(at: Any) -> str:
    """A stored time in ISO 8601 with its offset; a naive one is UTC (SQLite keeps no offset)."""
    return str(at.isoformat()) if at.tzinfo else f"{at.isoformat()}+00:00"


def case_summary(
    case: Case | FiledCase,
    items: Sequence[CaseItem | FiledItem],
    names: dict[str, str],
    today: date,
) -> dict[str, Any]:
    """The case as the applicant reads it; ``today`` (the China date) decides what is overdue."""
    return {
        "case_id": case.case_id,
        **({"case_no": case.case_no} if case.case_no else {}),  # 办件编号
        "theme_id": case.theme_id,
        "status": case.status,
        "channel": case.channel,
        "accepted_at": _iso(case.accepted_at),
        "due_date": case.due_date.isoformat(),
        "promised_due_date": case.promised_due_date.isoformat(),
        "items": [
            {
                "item_id": it.item_id,
                "code": it.code,
                "name": names.get(it.code, it.code),
                "department": it.department,
                "status": it.status,
                **({"employee": it.employee} if it.employee is not None else {}),
                **({"receipt_no": it.receipt_no} if it.receipt_no else {}),
                **({"reason": it.reason} if it.reason else {}),
                **({"result": it.result} if it.result else {}),
                "legal_due_date": it.legal_due_date.isoformat(),
                "overdue": it.status not in ("approved", "rejected") and it.promised_due_date < today,
                "promised_due_date": it.promised_due_date.isoformat(),
                "updated_at": _iso(it.updated_at),
            }
            for it in sorted(items, key=lambda i: i.item_id)
        ],
    }


def _naming(clerk: bool) -> tuple[str, ...]:
    """Who may see a case — the one rule both checks below are built from: the columns of the case
    one of which must name the caller. Its owner (the applicant: a person or an employer) sees it;
    a window clerk also sees the cases the clerk filed as their agent (代办人, ``cases.actor``)."""
    return ("owner", "actor") if clerk else ("owner",)


def visible(identity: Identity, case: Case) -> bool:
    """Whether the caller may see a loaded case (:func:`_naming`'s rule, as :func:`seen_by` asks it
    in SQL)."""
    return any(
        getattr(case, column) == identity.subject for column in _naming(identity.role is Role.WINDOW_CLERK)
    )


def seen_by(clerk: bool, who: Any) -> ColumnElement[bool]:
    """The condition that the caller (``who``: a subject or a bound parameter) may see the case
    (:func:`_naming`'s rule, as :func:`visible` asks it of a loaded case)."""
    return or_(*(getattr(Case, column) == who for column in _naming(clerk)))


def _feedback() -> Any:
    """The case's timeline, in-app notices and deliveries as one query: (kind, seq, at, then six
    text columns, then the delivery's documents and sealed address as stored JSON text), for the
    case bound as ``case_id``."""
    case_id = bindparam("case_id", type_=TimelineEvent.case_id.type)
    timeline = select(
        literal("t").label("kind"),
        TimelineEvent.seq,
        TimelineEvent.at,
        TimelineEvent.event.label("a"),
        TimelineEvent.item_id.label("b"),
        TimelineEvent.detail.label("c"),
        cast(null(), Text).label("d"),
        cast(null(), Text).label("e"),
        cast(null(), Text).label("f"),
        cast(null(), Text).label("g"),
        cast(null(), Text).label("h"),
    ).where(TimelineEvent.case_id == case_id)
    notices = select(
        literal("n"),
        Notice.seq,
        Notice.at,
        Notice.text,
        cast(null(), Text),
        cast(null(), Text),
        cast(null(), Text),
        cast(null(), Text),
        cast(null(), Text),
        cast(null(), Text),
        cast(null(), Text),
    ).where(Notice.case_id == case_id, Notice.channel == "in_app")
    deliveries = select(
        literal("d"),
        cast(literal(0), Integer),
        Delivery.created_at,
        Delivery.delivery_id,
        Delivery.method,
        Delivery.status,
        cast(Delivery.__table__.c.recipient, Text),  # sealed: opened below, as the column type opens it
        Delivery.tracking_no,
        Delivery.pickup_code,
        cast(Delivery.documents, Text),
        cast(Delivery.__table__.c.address, Text),
    ).where(Delivery.case_id == case_id)
    both = union_all(timeline, notices, deliveries).subquery()
    return select(both).order_by(both.c.kind, both.c.seq, both.c.a)


def _case_and_items(clerk: bool) -> Prepared:
    """The case, if the caller may see it (:func:`seen_by`; the caller's keyed hash bound as
    ``who``), with its sub-items."""
    who = bindparam("who", type_=Case.owner.type)
    return Prepared(
        select(*_CASE, *_ITEM)
        .outerjoin(CaseItem, CaseItem.case_id == Case.case_id)
        .where(Case.case_id == bindparam("case_id", type_=Case.case_id.type), seen_by(clerk, who))
    )


# built once: a statement made per request costs more CPU than the database spends answering it
_OWN_CASE = _case_and_items(clerk=False)
_FILED_CASE = _case_and_items(clerk=True)
_FEEDBACK = Prepared(_feedback())
_ADDRESS = Delivery.__table__.c.address.type
_RECIPIENT = Delivery.__table__.c.recipient.type


def _delivery(row: _Feedback, dialect: Any) -> dict[str, Any]:
    assert isinstance(_ADDRESS, ProtectedJSON) and isinstance(_RECIPIENT, SealedText)
    address = _ADDRESS.process_result_value(json.loads(row.h), dialect) if row.h else None
    recipient = _RECIPIENT.process_result_value(row.d, dialect) if row.d else None
    return {
        "delivery_id": row.a,
        "method": row.b,
        "status": row.c,
        "documents": json.loads(row.g) if row.g else [],
        **({"address": address} if address else {}),
        **({"recipient": recipient} if recipient else {}),
        **({"tracking_no": row.e} if row.e else {}),
        **({"pickup_code": row.f} if row.f else {}),
    }


def case_view(ctx: Context, identity: Identity, case_id: str) -> dict[str, Any]:
    """One case: its sub-items, deliveries, in-app notices and timeline (一体反馈); 404 if not the
    caller's. Two queries on one pooled connection, no ORM session (and, for a window clerk's
    look-up, its audit entry)."""
    clerk = identity.role is Role.WINDOW_CLERK
    engine = engine_of(ctx.sessions)
    dialect = engine.dialect
    with reading(engine) as conn:
        rows = (_FILED_CASE if clerk else _OWN_CASE).rows(
            conn, dialect, {"case_id": case_id, "who": identity.subject}
        )
        if not rows:  # none, or not the caller's
            raise not_found(f"办件 {case_id} ", f"case {case_id}")
        if clerk:  # a staff read of personal data (窗口查询): audited
            with ctx.sessions() as audit, audit.begin():
                append(audit, ctx.clock.now(), identity.subject, "view:case", {}, case_id=case_id)
        feedback = [_Feedback._make(r) for r in _FEEDBACK.rows(conn, dialect, {"case_id": case_id})]
    width = len(_CASE)
    case = FiledCase(*rows[0][:width])
    items = [FiledItem(*r[width:]) for r in rows if r[width] is not None]
    theme = ctx.catalogue.themes.get(case.theme_id)
    answer = case_summary(case, items, item_names(theme), ctx.clock.today())
    timeline, notices, deliveries = [], [], []
    for r in feedback:
        if r.kind == "t":
            timeline.append(
                {
                    "at": r.at.isoformat(),
                    "event": r.a,
                    **({"item": r.b} if r.b else {}),
                    **({"detail": r.c} if r.c else {}),
                }
            )
        elif r.kind == "n":
            notices.append({"at": r.at.isoformat(), "text": r.a})
        else:
            deliveries.append(_delivery(r, dialect))
    if deliveries:
        answer["delivery"] = deliveries[0]
        if len(deliveries) > 1:  # employer themes: one per employee
            answer["deliveries"] = deliveries
    answer["notices"] = notices
    answer["timeline"] = timeline
    if theme is not None and any(m.submit_after is not None for m in theme.materials):
        with ctx.sessions() as session:  # only themes with 后补材料 (Shangrao's) have any to read
            owed = obligations_of(session, case_id, ctx.clock.today())
        if owed:
            answer["obligations"] = owed
    return answer  # the keys in CaseView's order


def _cursor(accepted_at: datetime, case_id: str) -> str:
    raw = json.dumps([accepted_at.isoformat(), case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str) -> tuple[datetime, str]:
    try:
        at, case_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at), str(case_id)
    except (ValueError, TypeError) as exc:
        raise Invalid("分页游标无效", "the cursor is not valid", title=("参数错误", "Bad parameter")) from exc


def my_cases_page(
    ctx: Context, identity: Identity, cursor: str | None = None, limit: int = PAGE
) -> tuple[list[dict[str, Any]], str | None]:
    """我的办件: a page of the caller's own cases (a clerk's: those filed at the window), newest
    first, after ``cursor``; and the cursor of the next page (None: this was the last)."""
    column = Case.actor if identity.role is Role.WINDOW_CLERK else Case.owner
    limit = max(1, min(limit, MAX_PAGE))
    query = select(
        Case.case_id, Case.case_no, Case.theme_id, Case.status, Case.accepted_at, Case.due_date
    ).where(column == identity.subject)
    if cursor:
        at, last = _after(cursor)
        query = query.where(or_(Case.accepted_at < at, and_(Case.accepted_at == at, Case.case_id < last)))
    with ctx.sessions() as session:
        # only the columns the list shows: the form (encrypted personal data) is not read or decrypted
        rows = session.execute(
            query.order_by(Case.accepted_at.desc(), Case.case_id.desc()).limit(limit + 1)
        ).all()
    page = [
        {
            "case_id": r.case_id,
            **({"case_no": r.case_no} if r.case_no else {}),
            "theme_id": r.theme_id,
            "status": r.status,
            "accepted_at": r.accepted_at.isoformat(),
            "due_date": r.due_date.isoformat(),
        }
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return page, _cursor(rows[limit - 1].accepted_at, rows[limit - 1].case_id) if more else None


def my_cases(ctx: Context, identity: Identity) -> list[dict[str, Any]]:
    """我的办件's first page (the newest :data:`PAGE` cases)."""
    return my_cases_page(ctx, identity)[0]
