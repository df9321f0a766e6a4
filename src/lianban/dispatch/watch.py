"""What the operator watches (运维视图): dispatch jobs that are stuck — retrying against a
department that does not answer, or due and taken by no worker — each department's system as
dispatch last found it, and retrying every failed sub-item at once. Operators only (403)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from lianban.cases.jobs import JobKind
from lianban.cases.schema import Case, CaseItem, OutboxJob
from lianban.cases.worklist import worklist_id
from lianban.catalog.model import Department, department_name
from lianban.clock import aware
from lianban.connectors.routing import department_routes
from lianban.connectors.schema import DepartmentHealth
from lianban.context import Context
from lianban.dispatch.retry import failed_items, retry_item
from lianban.dispatch.service import require_operator
from lianban.security.tokens import Identity

UNTAKEN = timedelta(minutes=5)  # a due job no worker has taken for this long: are the workers down?
DISPATCH_KINDS = (JobKind.DISPATCH.value,)


def stuck_jobs(ctx: Context, identity: Identity, limit: int = 200) -> list[dict[str, Any]]:
    """Dispatch jobs still pending that have failed at least once, or are overdue and untaken."""
    require_operator(identity)
    now = ctx.clock.now()
    with ctx.sessions() as session:
        rows = session.execute(
            select(OutboxJob, CaseItem, Case.case_no)
            .join(CaseItem, (CaseItem.case_id == OutboxJob.case_id) & (CaseItem.item_id == OutboxJob.item_id))
            .join(Case, Case.case_id == OutboxJob.case_id)
            .where(
                OutboxJob.status == "pending",
                OutboxJob.kind.in_(DISPATCH_KINDS),
                (OutboxJob.attempts > 0) | (OutboxJob.due_at < now - UNTAKEN),
            )
            .order_by(OutboxJob.due_at)
            .limit(limit)
        ).all()
        out = []
        for job, item, case_no in rows:
            untaken = job.attempts == 0
            out.append(
                {
                    "item_id": worklist_id(item),
                    "case_id": job.case_id,
                    "case_no": case_no,  # 办件编号, the number the applicant quotes
                    "code": item.code,
                    "department": item.department,
                    "department_name": department_name(item.department),
                    "attempts": job.attempts,
                    "state": "untaken" if untaken else "retrying",
                    "next_try": aware(job.due_at),
                    "error": job.last_error,
                }
            )
        return out


def availability(ctx: Context, identity: Identity, configured: set[str]) -> list[dict[str, Any]]:
    """Each department: where its new items go, whether dispatch last reached its system, the last
    error, and how many of its sub-items are failed or retrying now."""
    require_operator(identity)
    with ctx.sessions() as session:
        routes = {r["department"]: r for r in department_routes(session, configured)}
        health = {h.department: h for h in session.execute(select(DepartmentHealth)).scalars()}
        failed = dict(
            session.execute(
                select(CaseItem.department, func.count())
                .join(Case, Case.case_id == CaseItem.case_id)
                .where(CaseItem.status == "failed", Case.status != "withdrawn")
                .group_by(CaseItem.department)
            ).all()
        )
        retrying = dict(
            session.execute(
                select(CaseItem.department, func.count())
                .join(
                    OutboxJob,
                    (CaseItem.case_id == OutboxJob.case_id) & (CaseItem.item_id == OutboxJob.item_id),
                )
                .where(
                    OutboxJob.status == "pending", OutboxJob.attempts > 0, OutboxJob.kind.in_(DISPATCH_KINDS)
                )
                .group_by(CaseItem.department)
            ).all()
        )
    out = []
    for d in Department:
        h = health.get(d.value)
        out.append(
            {
                **routes[d.value],
                "name": department_name(d.value),
                "state": h.state if h else "unknown",
                "last_ok_at": aware(h.last_ok_at) if h and h.last_ok_at else None,
                "last_error_at": aware(h.last_error_at) if h and h.last_error_at else None,
                "last_error": h.last_error if h else None,
                "failed": failed.get(d.value, 0),
                "retrying": retrying.get(d.value, 0),
            }
        )
    return out


def retry_all(ctx: Context, identity: Identity) -> int:
    """Queue every failed sub-item again (人工重试, each on its case's timeline); how many."""
    require_operator(identity)
    now = ctx.clock.now()
    with ctx.sessions() as session:
        failed = [(i.case_id, i.item_id) for i in failed_items(session)]
    done = 0
    for case_id, item_id in failed:
        with ctx.sessions() as session, session.begin():  # one case per transaction
            done += retry_item(session, case_id, item_id, identity.subject, now)
    return done
