"""What a send did, recorded on the case (推送结果): the dispatch job closed and its sub-item, if
still queued, moved on — sent to the department (its receipt), to the worklist, to the applicant
(跳转办理), or answered at once (a query) — in one transaction with the case's lock taken first.

A mixin of :class:`lianban.dispatch.worker.Dispatcher` (its sessions, clock and config).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from lianban.cases.jobs import JobKind, new_job
from lianban.cases.progress import apply_decision_read, lock_case, mark_dispatched, refresh_read
from lianban.cases.schema import Case, CaseItem
from lianban.cases.states import ItemStatus
from lianban.connectors.plugins import Pushed
from lianban.dispatch.config import DispatchConfig
from lianban.dispatch.sent import CLOSE_ANY, CLOSE_OURS, Push, Recorder
from lianban.notify import notify
from lianban.prepared import Prepared, run_in

_CASES = cast(Table, Case.__table__)
_ITEMS = cast(Table, CaseItem.__table__)

_LOCK = Prepared(select(_CASES.c.status).where(_CASES.c.case_id == bindparam("c_id")).with_for_update())
_ITEM_NOW = Prepared(
    select(_ITEMS.c.item_id, _ITEMS.c.status, _ITEMS.c.progress).where(
        _ITEMS.c.case_id == bindparam("case_id"), _ITEMS.c.item_id == bindparam("item_id")
    )
)


class _ItemNow(NamedTuple):
    item_id: str
    status: str
    progress: int


JobKey = tuple[str, str, str, datetime | None]


def _closed(session: Session, job: JobKey) -> bool:
    """Close the dispatch job (one UPDATE on the driver cursor, the job not read) if still pending
    under this worker's lease (one lost mid-send and taken again is not ours); whether it was."""
    case_id, job_id, _, lease = job
    closing = {"c_id": case_id, "j_id": job_id, "more": 0}
    if lease is None:
        return bool(run_in(session, CLOSE_ANY, closing))
    return bool(
        run_in(session, CLOSE_OURS, {**closing, "lease": lease})
    )  # a dispatch job: its case, its id, its sub-item, our lease


class Settling:
    """Recording what the connector did with a sub-item (the dispatcher's second transaction)."""

    sessions: sessionmaker[Session]
    config: DispatchConfig
    recorder: Recorder
    now: Callable[[], datetime]

    def _schedule_poll(self, session: Session, case_id: str, item_id: str, department: str) -> None:
        seconds = self.config.poll_seconds.get(department)
        if seconds is None:
            return
        due = self.now() + timedelta(seconds=seconds)
        session.add(new_job(case_id, JobKind.STATUS_POLL, due, item_id=item_id))

    def _send_applicant(self, job: JobKey, url: str) -> None:
        """A redirect item waits for the applicant to finish on the department's site (跳转办理):
        the job closed (only while ours), the item, if still queued, marked dispatched with its
        link in one UPDATE (not read), the applicant told, the case's status kept in step — one
        transaction, the case locked first (as an object, without its form: the notice needs it)."""
        case_id, _, item_id, _ = job
        at = self.now()
        with self.sessions() as session, session.begin():
            case = lock_case(session, case_id)
            if case is None or not _closed(session, job):
                return
            detail = "请跳转至部门网站完成办理"
            if mark_dispatched(session, case_id, item_id, at, detail, result={"redirect_url": url}) is None:
                return  # a callback overtook the send: the job closed, nothing else
            notify(session, case, f"办件 {case_id} 的事项 {item_id} 需要您跳转至部门网站完成办理：{url}", at)
            # with one item dispatched the case is in progress whatever the others' (or withdrawn)
            refresh_read(session, case_id, case.status, at, [ItemStatus.DISPATCHED.value])

    def _answer_query(self, job: JobKey, result: dict[str, Any]) -> None:
        """A status lookup is answered at once: its answer is the item's result (办结). Recorded as
        a department's callback is (:func:`lianban.cases.progress.apply_decision_read`): the case
        locked and the item read as rows, each a statement compiled once on the transaction's
        driver cursor, no object loaded."""
        case_id, _, item_id, _ = job
        at = self.now()
        with self.sessions() as session, session.begin():
            locked = run_in(session, _LOCK, {"c_id": case_id})
            if not locked or not _closed(session, job):
                return
            found = run_in(session, _ITEM_NOW, {"case_id": case_id, "item_id": item_id})
            if not found or found[0][1] != ItemStatus.QUEUED.value:
                return  # a callback overtook the send: the job closed, nothing else
            item = _ItemNow(*found[0])
            apply_decision_read(
                session, case_id, locked[0][0], item, "approved", item.progress + 1, at, result=result
            )

    def _sent(self, job: JobKey, receipt: Pushed) -> None:
        detail = {
            "item": job[2],
            "department": None,  # (the item's, filled in when it is marked dispatched)
            "receipt_no": receipt.receipt_no,
            "sha256": receipt.sha256,
            "key_id": receipt.key_id,
        }
        # a new department record: its messages are numbered from 1 again (progress 0)
        receipt_no = receipt.receipt_no
        self._dispatched(
            job, f"受理编号 {receipt_no}", detail, count_attempt=True, receipt_no=receipt_no, progress=0
        )

    def _to_worklist(self, job: JobKey) -> None:
        """Departments without an integrated system decide in lianban's worklist (部门工作台)."""
        self._dispatched(job, "已推送至部门工作台")

    def _dispatched(
        self,
        job: JobKey,
        detail: str,
        audit: dict[str, Any] | None = None,
        count_attempt: bool = False,
        **changes: Any,
    ) -> None:
        """:meth:`_settle` for an item sent (已推送), on the driver's cursor
        (:meth:`lianban.dispatch.sent.Recorder.dispatched`): the job closed, the item, if still
        queued, marked dispatched with ``changes`` in one UPDATE each (neither read); for a push
        (``audit``: the entry's detail) the audit entry, the department seen reachable and a status
        poll for a department that does not call back; the case's status kept in step — one
        transaction, the case locked first."""
        push = None
        if audit is not None:
            polls = self.config.poll_seconds
            push = Push(audit, lambda department: polls.get(department))
        self.recorder.dispatched(self.sessions, job, self.now(), detail, push, count_attempt, changes)
