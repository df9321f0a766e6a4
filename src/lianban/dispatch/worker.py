"""The dispatcher (推送): takes due outbox jobs and sends sub-items to their departments in order.

Each job is handled in two short transactions with the network call between them, so no database
transaction waits on a department. The idempotency key ``case_id:item_id`` makes a repeated send
(after a crash, a lease expiry or a timeout) land on the department's existing record.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from typing import Any, Protocol

import httpx
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, load_only, sessionmaker

from lianban.cases.decisions import Decision, decide, sequence_allowed
from lianban.cases.jobs import JobKind, close_job
from lianban.cases.progress import DEPARTMENT_STATUS, add_audit, lock_case
from lianban.cases.schema import Case, CaseItem, OutboxJob
from lianban.cases.states import ItemStatus
from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import ConnectorKind, Theme
from lianban.clock import Clock, SystemClock
from lianban.connectors import connector_for
from lianban.connectors.plugins import Answered, ApplicantSent, Outcome, Pushed, Sending, ToWorklist
from lianban.connectors.rest import DepartmentRefused, DepartmentUnavailable, fetch_status
from lianban.connectors.routing import routed_to_worklist, worklisted
from lianban.dispatch.config import DispatchConfig
from lianban.dispatch.envelope import Numbered, Sent, envelope_of
from lianban.dispatch.failures import (
    PoisonJob,
    WorkerErrors,
    failed_attempt,
    held_job,
    job_failed,
    same_instant,
    send_failed,
)
from lianban.dispatch.outbox import fair_round, kept_connection
from lianban.dispatch.ready import ready
from lianban.dispatch.registry import NETWORK, JobContext, handler_for
from lianban.dispatch.sent import Recorder
from lianban.dispatch.settle import JobKey, Settling
from lianban.dispatch.together import EVENT_KINDS, Alone, pass_on_together
from lianban.logs import anew

STATUS_POLL = JobKind.STATUS_POLL  # (the name older callers import)
POLLED = (ItemStatus.DISPATCHED.value, ItemStatus.ACCEPTED.value)  # sent, not yet decided


_ITEM_AND_CASE = (
    select(CaseItem, Case)
    .join(Case, Case.case_id == CaseItem.case_id)
    .where(CaseItem.case_id == bindparam("case_id"), CaseItem.item_id == bindparam("item_id"))
    .options(load_only(Case.theme_id, Case.case_no))
)


class ToSend(Sent, Protocol):
    """What a send reads of its sub-item besides the envelope's (a CaseItem, or a ReadyItem)."""

    @property
    def item_id(self) -> str: ...
    @property
    def department(self) -> str: ...
    @property
    def revision(self) -> int: ...


# jobs one claim takes (one query for them all); a case filed meanwhile does not wait for them
# all: its first job is claimed between two of them (公平: claims are round-robin as well)
CLAIM_BATCH = 10


class Dispatcher(Settling):
    def __init__(
        self,
        sessions: sessionmaker[Session],
        catalogue: Catalogue,
        config: DispatchConfig,
        clock: Clock | None = None,
        errors: WorkerErrors | None = None,
    ) -> None:
        self.sessions = sessions
        self.catalogue = catalogue
        self.config = config
        self.clock = clock or SystemClock()
        self.now = self.clock.now
        self.errors = errors or WorkerErrors()
        # one client for all sends: keep-alive connections, and the TLS context is built once
        # (a new client per send spent most of a send loading CA certificates)
        self.http = httpx.Client(timeout=config.timeout_seconds)
        self.recorder = Recorder()  # sends recorded on the driver's cursor
        self.taken_along = 0  # events passed on with another of their case (together.py)
        # the departments an operator sent to the worklist, read once per round (at its first
        # send; outside a round, with each send): a switch counts from the next round on
        self.in_round = False
        self.worklisted: frozenset[str] | None = None
        self.claimed: tuple[str, str | None] | None = None  # the dispatch job being handled, its item

    def close(self) -> None:
        """Close the department connections (a worker that stops)."""
        self.http.close()

    def run_once(self, limit: int = CLAIM_BATCH) -> int:
        """Handle the jobs due now, a claimed batch at a time (a newly filed case's first job
        between two of them: :func:`~lianban.dispatch.outbox.fair_round`); how many were taken.

        The round's transactions, one after another, run on one connection kept for the round
        (连接复用): each would otherwise take one from the pool and, on PostgreSQL, ping it first —
        a round trip per transaction, several per sub-item."""
        self.in_round, self.worklisted = True, None
        pooled = self.sessions
        try:
            with kept_connection(pooled) as self.sessions:
                taken = fair_round(self.sessions, self.now, self.config.lease, limit, self._handle_claimed)
        finally:
            self.in_round, self.worklisted, self.sessions = False, None, pooled
        along, self.taken_along = self.taken_along, 0
        return taken + along

    def _handle_claimed(
        self, case_id: str, job_id: str, lease: datetime | None, kind: str = "", item_id: str | None = None
    ) -> None:
        with anew(case_id=case_id, job_id=job_id):  # about this job, and no earlier one
            # a send claimed just now may go without the first transaction (dispatch/ready.py)
            self.claimed = (job_id, item_id) if kind == JobKind.DISPATCH.value else None
            try:
                self.handle(case_id, job_id, lease)
            except Exception as exc:  # one bad job never stops the others
                job_failed(
                    self.sessions, case_id, job_id, exc, self.now(), self.config.retry, self.errors, lease
                )
            finally:
                self.claimed = None

    def handle(self, case_id: str, job_id: str, claimed_lease: datetime | None = None) -> None:
        try:
            self._handle(case_id, job_id, claimed_lease)
        except Alone:  # an event taken along failed: this job on its own (that one in its turn)
            self._handle(case_id, job_id, claimed_lease, together=False)

    def _handle(
        self, case_id: str, job_id: str, claimed_lease: datetime | None, together: bool = True
    ) -> None:
        fast = self._ready_send(case_id, job_id, claimed_lease)
        if fast is not None:  # ours, queued, its lease covering the send: no transaction first
            kind, sending = fast
            self._send(kind, sending, (case_id, job_id, sending.item_id, claimed_lease))
            return
        with self.sessions() as session, session.begin():
            job = session.get(OutboxJob, (case_id, job_id), with_for_update=True)
            if job is None or job.status != "pending":
                return
            if claimed_lease is not None and not same_instant(job.lease_until, claimed_lease):
                return  # our lease ran out while earlier jobs were sent and another worker took it
            if not self.config.lease_covers_send(job.lease_until, self.now()):
                job.lease_until = self.now() + self.config.send_lease()  # renewed for the send itself
            handler = handler_for(job.kind)
            if handler is not None:  # a timer or a domain event: one transaction, done
                context = JobContext(self.now(), self.config.courier, self.config.delivery)
                if together and job.kind in EVENT_KINDS:  # the case's other due events with it
                    handler(session, job, context)  # (marked done with them, by one UPDATE)
                    self.taken_along += pass_on_together(session, job, context)
                    return
                job.status = "done"
                handler(session, job, context)
                return
            if job.kind not in NETWORK:
                raise PoisonJob(f"不认识的任务种类 {job.kind} / no handler for jobs of kind {job.kind}")
            if job.item_id is None:
                job.status = "done"
                return
            # the item with its case's theme and number, in one query; the case's form read only
            # for a query item, its names never
            found = session.execute(_ITEM_AND_CASE, {"case_id": case_id, "item_id": job.item_id}).first()
            item, case = found if found is not None else (None, None)
            if job.kind == JobKind.STATUS_POLL:
                if item is None or item.receipt_no is None or item.status not in POLLED:
                    job.status = "done"  # decided already (or never sent): nothing to ask
                    return
                poll = (item.receipt_no, item.department)
            elif item is None or case is None or item.status not in (ItemStatus.QUEUED.value,):
                job.status = "done"
                return
            else:
                poll = None
                theme = self.catalogue.themes.get(case.theme_id)
                if theme is None:
                    raise PoisonJob(
                        f"主题 {case.theme_id} 已不在目录中 / theme {case.theme_id} is no longer in the catalogue"
                    )
                kind = theme.item(item.code).connector
                id_number = (
                    str((case.form or {}).get("person.id_number") or "")
                    if kind is ConnectorKind.QUERY
                    else ""
                )
                sending = self._sending(session, theme, item, case, id_number)
        lease = job.lease_until  # ours: a late write after it ran out and the job was taken is none
        if poll is not None:
            self._poll(case_id, job_id, lease, *poll)
            return
        self._send(kind, sending, (case_id, job_id, sending.item_id, lease))

    def _ready_send(
        self, case_id: str, job_id: str, claimed_lease: datetime | None
    ) -> tuple[ConnectorKind, Sending] | None:
        """The claimed dispatch job's send made ready with one read (:mod:`lianban.dispatch.ready`),
        if it needs nothing more: else None, and the transaction's way decides."""
        claimed, self.claimed = self.claimed, None
        if claimed is None or claimed[0] != job_id or claimed[1] is None or claimed_lease is None:
            return None
        if not self.config.lease_covers_send(claimed_lease, self.now()):
            return None
        found = ready(self.sessions, case_id, job_id, claimed[1], claimed_lease)
        theme = None if found is None else self.catalogue.themes.get(found.theme_id)
        if found is None or theme is None:
            return None  # (a theme gone from the catalogue is poison: the transaction's way parks it)
        definition = theme.item(found.item.code)
        if definition.connector is ConnectorKind.QUERY or definition.completes_after:
            return None
        if found.item.waits_for_document:
            return None
        return definition.connector, self._sending(None, theme, found.item, found, "")

    def _sending(
        self, session: Session | None, theme: Theme, item: ToSend, case: Numbered, id_number: str
    ) -> Sending:
        """What the item's connector is handed to send ``item`` of ``case`` (its number read)."""
        case_id, department = item.case_id, item.department
        url = self.config.department_urls.get(department)
        if url is not None and self._to_worklist_now(session, department):
            url = None  # an operator sent this department's new items to the worklist
        return Sending(
            case_id=case_id,
            item_id=item.item_id,
            department=department,
            envelope=envelope_of(
                session,
                theme,
                item,
                f"{self.config.callback_base_url.rstrip('/')}/api/v1/connectors/{department}/callback",
                case,
            ),
            # a resubmission after 补正 is a new department request
            idempotency_key=f"{case_id}:{item.item_id}:{item.revision}",
            keyring=self.config.keys.get(department),  # its own, or none: not sent
            platform_url=self.config.callback_base_url,
            url=url,
            timeout_seconds=self.config.timeout_for(department),
            api_key=self.config.api_key_for(department),
            client=self.http,
            id_number=id_number,
            archives=self.config.archives,
            redirect_site=(self.config.redirect_sites or {}).get(department),
        )

    def _send(self, kind: ConnectorKind, sending: Sending, job: JobKey) -> None:
        """Send by the item's connector (found by its name) and record what it did."""
        case_id, job_id, _, lease = job
        try:
            outcome = connector_for(kind.value).send(sending)
        except (DepartmentUnavailable, DepartmentRefused) as exc:
            final = isinstance(exc, DepartmentRefused)
            send_failed(self.sessions, case_id, job_id, lease, str(exc), self.now(), self.config.retry, final)
            return
        self._record(job, outcome)

    def _to_worklist_now(self, session: Session | None, department: str) -> bool:
        """Whether an operator sent the department's new items to the worklist (the round's read;
        with a session of its own when none is given)."""
        if self.in_round and self.worklisted is not None:
            return department in self.worklisted
        with nullcontext(session) if session is not None else self.sessions() as reading:
            if not self.in_round:
                return routed_to_worklist(reading, department)
            self.worklisted = worklisted(reading)
        return department in self.worklisted

    def _record(self, job: JobKey, outcome: Outcome) -> None:
        """What the connector did with the sub-item, on the case."""
        match outcome:
            case Pushed():
                self._sent(job, outcome)
            case Answered(result):
                self._answer_query(job, result)
            case ApplicantSent(url):
                self._send_applicant(job, url)
            case ToWorklist():
                self._to_worklist(job)

    # -- status polls (状态查询): for departments that cannot call back ----------------------------

    def _poll(
        self, case_id: str, job_id: str, lease: datetime | None, receipt_no: str, department: str
    ) -> None:
        """Ask the department where the sub-item stands and apply the answer like a callback (if
        the job is still :func:`~lianban.dispatch.failures.held` under ``lease`` by then)."""
        url = self.config.department_urls.get(department)
        keyring = self.config.keys.get(department)
        if url is None or keyring is None:
            self._close(case_id, job_id, lease)
            return
        try:
            answer = fetch_status(
                url,
                keyring,
                receipt_no,
                timeout_seconds=self.config.timeout_for(department),
                client=self.http,
                api_key=self.config.api_key_for(department),
            )
        except (DepartmentUnavailable, DepartmentRefused) as exc:
            self._poll_again(case_id, job_id, str(exc), lease)
            return
        status = str(answer.get("status", ""))
        with self.sessions() as session, session.begin():
            lock_case(session, case_id)
            job = held_job(session, case_id, job_id, lease)
            if job is None or job.item_id is None:
                return
            item = session.get(CaseItem, (case_id, job.item_id))
            job.status = "done"
            job.attempts += 1
            if item is None:
                return
            polled = item  # the department's answer, recorded as a callback's would be

            def detail(changed: bool) -> dict[str, Any]:
                return {
                    "item": polled.item_id,
                    "receipt_no": receipt_no,
                    "status": status,
                    "changed": changed,
                }

            if status in DEPARTMENT_STATUS and sequence_allowed(answer.get("sequence", 0)):
                answered = Decision(
                    status, int(answer.get("sequence", 0)), answer.get("reason"), answer.get("result")
                )
                decide(
                    session,
                    item,
                    answered,
                    self.now(),
                    actor="dispatcher",
                    action="status_poll",
                    detail=detail,
                )
            else:  # an answer no department gives: nothing changes, the answer is on the record
                add_audit(session, case_id, self.now(), "dispatcher", "status_poll", detail(False))
            if item.status in POLLED:
                self._schedule_poll(session, case_id, item.item_id, item.department)

    def _poll_again(self, case_id: str, job_id: str, error: str, lease: datetime | None = None) -> None:
        """A poll that could not reach the department: the same job, later (polls never give up
        while the item is open; the due-date timers tell staff if it goes on too long)."""
        with self.sessions() as session, session.begin():
            job = held_job(session, case_id, job_id, lease)
            if job is not None:
                failed_attempt(session, job, error, self.now(), self.config.retry, spent_parks=False)

    def _close(self, case_id: str, job_id: str, lease: datetime | None = None) -> None:
        with self.sessions() as session, session.begin():
            close_job(session, case_id, job_id, lease=lease)


__all__ = ["POLLED", "STATUS_POLL", "DispatchConfig", "Dispatcher"]
