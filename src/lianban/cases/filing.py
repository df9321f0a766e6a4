"""Filing an application (受理): the case, its sub-items, the first outbox jobs, timeline and audit
entry, written in ONE transaction by the caller — nothing leaves before that commit.

Everything that can be computed is computed first (:func:`prepare_case`: the split, waits, due
dates, timers, sealing of personal values); the transaction is then a handful of multi-row INSERTs
(:func:`write_case`), so a SQLite writer holds its turn for as short as it can.

A repeated ``Idempotency-Key`` from the same owner returns the case it created; the same key with
another body is refused (:class:`IdempotencyConflict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection, DBAPICursor
from sqlalchemy.orm import Session

from lianban.calendar import china_date, due_date, is_working_day
from lianban.cases.filed import FiledCase, FiledItem
from lianban.cases.filing_rows import TABLES, stored_table
from lianban.cases.jobs import JobKind
from lianban.cases.numbering import send_case_number, taken_case_number
from lianban.cases.obligations import obligation_rows
from lianban.cases.schema import Case
from lianban.cases.states import CaseStatus, ItemStatus
from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import Theme
from lianban.catalog.outcomes import case_finish_times
from lianban.forms.submission import CheckedSubmission
from lianban.prepared import BoundRows, PreparedWrite
from lianban.prepared import Prepared as PreparedRead
from lianban.security.audit.chain import take_head, write_entry
from lianban.security.bound import Bind
from lianban.security.fieldcrypt.column import field_encryption
from lianban.security.lookup import lookup_hash, lookup_key
from lianban.security.randomness import token_hex, uuid4_hex


class IdempotencyConflict(Exception):
    """The same Idempotency-Key was used before with a different request."""


def _job(case_id: str, item_id: str | None, kind: JobKind, due_at: datetime) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "job_id": uuid4_hex(),
        "item_id": item_id,
        "kind": kind.value,
        "status": "pending",
        "due_at": due_at,
        "attempts": 0,
        "payload": None,
    }


def _day_before(due: date) -> date | None:
    """The working day before ``due`` (时限预警日), under the statutory calendar."""
    day = due - timedelta(days=1)
    for _ in range(30):
        if is_working_day(day):
            return day
        day -= timedelta(days=1)
    return None


def new_case_id(accepted_at: datetime) -> str:
    """``LB`` + acceptance date + 10 random hex digits: unguessable, sortable by day."""
    return f"LB{accepted_at:%Y%m%d}{token_hex(5).upper()}"


def find_by_key(session: Session, owner: str, key: str) -> Case | None:
    """The case an (owner, Idempotency-Key) filed, by the unique index on the two: its id first
    (a new key, the usual answer, reads nothing more), then the case."""
    found = key_used(session.connection(), owner, key)
    return None if found is None else session.get(Case, found)


def key_used(conn: Connection, owner: str, key: str) -> str | None:
    """The id of the case an (owner, Idempotency-Key) filed, if any (the unique index on the two)."""
    found = conn.execute(_BY_KEY, {"owner": owner, "key": key}).scalar()
    return None if found is None else str(found)


_CASES: Table = Case.__table__  # type: ignore[assignment]
# built once: its compiled form is reused by every filing
_BY_KEY = select(_CASES.c.case_id).where(
    _CASES.c.owner == bindparam("owner"), _CASES.c.idempotency_key == bindparam("key")
)


_KEY_READ = PreparedRead(_BY_KEY)


def key_used_on(conn: DBAPIConnection, dialect: Dialect, owner: str, key: str) -> str | None:
    """:func:`key_used` on a pooled driver connection (the one the filing then writes on), read
    outside a transaction (:func:`lianban.prepared.autocommit`)."""
    found = _KEY_READ.rows(conn, dialect, {"owner": owner, "key": key})
    return str(found[0][0]) if found else None


@dataclass(frozen=True)
class Prepared:
    """A filing computed before its transaction (受理前置): every row as it is stored (personal
    values sealed), the case as the answer shows it, the sub-items as filed."""

    case: FiledCase  # what the answer reads (its case_no once written)
    region_code: str
    accepted_day: date
    items: list[FiledItem]
    rows: dict[str, list[dict[str, Any]]]  # table → rows, in insertion order
    bound: dict[str, BoundRows]  # table → its rows as the driver takes them (the tables with rows)
    audit: dict[str, Any]  # the audit entry, appended to the day's chain when written
    # (the actor as stored: its keyed hash and its sealed value)


def prepare_case(
    catalogue: Catalogue,
    theme: Theme,
    checked: CheckedSubmission,
    *,
    owner: str,
    actor: str,
    channel: str,
    situation: dict[str, str],
    form: dict[str, Any],
    materials: list[dict[str, Any]],
    idempotency_key: str | None,
    request_hash: str,
    accepted_at: datetime,
    at_rest: Bind,
    dialect: Dialect,
) -> Prepared:
    """Everything a filing writes, computed before any transaction: the split (拆分) into
    sub-items, their waits, due dates in working days, the timers, the timeline, the audit entry,
    and every personal value sealed — under the keys of ``at_rest``'s engine (the sessions it
    will be written with) — and bound as ``dialect``'s driver takes it."""
    # working days count by the calendar in China: 00:30 on a Monday there is still Sunday in UTC
    accepted_day = china_date(accepted_at)
    chosen = checked.spec.items
    legal_finish = case_finish_times(theme, chosen, "legal")
    promised_finish = case_finish_times(theme, chosen, "promised")
    case_id = new_case_id(accepted_at)
    in_case = {(p.item, p.employee) for p in checked.payloads}

    def item_id(code: str, employee: int | None) -> str:
        return code if employee is None else f"{code}#{employee}"

    def targets(codes: tuple[str, ...], employee: int | None) -> list[str]:
        out: list[str] = []
        for code in codes:
            if (code, employee) in in_case:
                out.append(item_id(code, employee))
            elif (code, None) in in_case:
                out.append(item_id(code, None))
        return out

    # due dates by item code (every employee's copy of an item shares them), the warning day by date
    legal_due = {code: due_date(accepted_day, days).due_date for code, days in legal_finish.items()}
    promised_due = {code: due_date(accepted_day, days).due_date for code, days in promised_finish.items()}
    warn_days = {day: _day_before(day) for day in set(promised_due.values())}
    issuers = {d.code: it.code for it in theme.items for d in it.issues if d.at == "acceptance"}
    items: list[dict[str, Any]] = []
    for p in checked.payloads:
        it = theme.item(p.item)
        waits = targets(it.waits_for, p.employee)
        waits_any = targets(it.waits_for_any, p.employee)
        # a document issued at another item's acceptance (调档函), when that item is in the case;
        # otherwise the applicant supplies it as a material
        documents = [
            [issuer, doc]
            for doc in it.waits_for_document
            if doc in issuers
            for issuer in targets((issuers[doc],), p.employee)
        ]
        status = ItemStatus.WAITING if (waits or waits_any or documents) else ItemStatus.QUEUED
        items.append(
            {
                "case_id": case_id,
                "item_id": item_id(p.item, p.employee),
                "code": p.item,
                "employee": p.employee,
                "department": p.department,
                "status": status.value,
                "waits_for": waits,
                "waits_for_any": waits_any,
                "waits_for_document": documents,
                "payload": p.payload,
                "legal_due_date": legal_due[p.item],
                "promised_due_date": promised_due[p.item],
                "progress": 0,
                "revision": 0,
                "updated_at": accepted_at,
            }
        )
    case = {
        "case_id": case_id,
        "case_no": None,  # the region's number of the day, taken in the write (write_case)
        "theme_id": theme.id,
        "theme_digest": catalogue.theme_digest(theme.id),
        "owner": owner,  # stored as its keyed hash (LookupHash), beside its ciphertext
        "owner_sealed": owner,
        "actor": actor,
        "actor_sealed": actor,
        "channel": channel,
        "status": CaseStatus.SUBMITTED.value,
        "situation": situation,
        "form": form,
        "materials": materials,
        "accepted_at": accepted_at,
        "due_date": due_date(accepted_day, max(legal_finish.values(), default=0)).due_date,
        "promised_due_date": due_date(accepted_day, max(promised_finish.values(), default=0)).due_date,
        "idempotency_key": idempotency_key,
        "request_hash": request_hash,
        "updated_at": accepted_at,
    }
    # a timer (时限预警) for each promised date: on the working day before it (if still ahead),
    # every sub-item then due and still open is flagged — one job for a thousand hires' cards
    warn_on_days = {warn_days[row["promised_due_date"]] for row in items} - {None}
    jobs: list[dict[str, Any]] = [
        _job(case_id, None, JobKind.SLA_WARNING, datetime.combine(warn_on, time(1, 0), tzinfo=UTC))
        for warn_on in sorted(d for d in warn_on_days if d is not None and d > accepted_day)
    ]
    for row in items:
        if row["status"] == ItemStatus.QUEUED.value:
            jobs.append(_job(case_id, row["item_id"], JobKind.DISPATCH, accepted_at))
    events: list[dict[str, Any]] = [
        {
            "case_id": case_id,
            "seq": 1,
            "at": accepted_at,
            "event": "submitted",
            "item_id": None,
            "detail": f"{theme.name}：受理 {len(items)} 个子件",
        }
    ]
    for code, reason in checked.dropped.items():
        events.append(
            {
                "case_id": case_id,
                "seq": len(events) + 1,
                "at": accepted_at,
                # 不予受理: an acceptance condition is unmet; otherwise the item does not apply
                "event": "item_refused" if code in checked.refused else "item_not_applicable",
                "item_id": code,
                "detail": reason,
            }
        )
    # papers the documents ask after the application, not with it (后补材料: 缓缴/降缴 within a month)
    owed, owed_events, reminders = obligation_rows(
        theme, case_id, list(chosen), situation, accepted_at, len(events) + 1
    )
    events += owed_events
    jobs += reminders
    crypt = field_encryption(at_rest)
    key = lookup_key(at_rest)
    audit = {
        "case_id": case_id,
        "at": accepted_at,
        "actor": (str(lookup_hash(actor, key)), crypt.keyring.seal(actor, _AUDIT_ACTOR)),
        "action": "submit",
        "detail": {
            "channel": channel,
            "owner": str(lookup_hash(owner, key)),  # never the identifier in plain
            "items": len(items),
            "request_hash": request_hash,
            "theme_digest": case["theme_digest"],
        },
    }
    plain = {"cases": [case], "case_items": items, "outbox_jobs": jobs}
    plain |= {"timeline_events": events, "case_obligations": owed}
    rows: dict[str, list[dict[str, Any]]] = {}
    bound: dict[str, BoundRows] = {}
    for model in TABLES:
        table, sealers, write = stored_table(model)
        stored = rows[table.name] = [
            {k: sealers[k](v, crypt, key) if k in sealers else v for k, v in row.items()}
            for row in plain[table.name]
        ]
        if stored:  # bound here, not in the transaction: a SQLite writer's turn is the shorter
            bound[table.name] = write.bind_many(dialect, stored)
    return Prepared(
        FiledCase.of(case),
        region_code=theme.region_code,
        accepted_day=accepted_day,
        items=[FiledItem.of(row) for row in items],
        rows=rows,
        bound=bound,
        audit=audit,
    )


def write_case(conn: DBAPIConnection, cursor: DBAPICursor, dialect: Dialect, prepared: Prepared) -> None:
    """The filing's one short write, in the caller's transaction on ``conn`` (:func:`lianban.db.raw_writing`,
    its ``cursor``): one INSERT statement per table, its rows bound before (:func:`prepare_case`)
    and sent at once (executemany; compiled once per process), the case's 办件编号 (one upsert)
    and the audit entry.

    The region's number of the day and the day's audit chain are rows every filing takes in turn,
    held until its commit. On SQLite the writer holds the whole file from its BEGIN IMMEDIATE
    anyway, so the number comes first and goes into the case's INSERT. On PostgreSQL only those
    rows make filings wait for each other, so they are taken last: the case is inserted without its
    number, then the number and the chain's head are taken (their answers fetched together: one
    round trip for everything queued in the transaction's pipeline), the number set (one UPDATE)
    and the entry written — each held only from there to the commit."""
    region, day = prepared.region_code, prepared.accepted_day
    late_number = dialect.name == "postgresql"
    if not late_number:
        send_case_number(cursor, dialect, region, day)
        number = _numbered(prepared, taken_case_number(cursor, region, day))
        prepared.bound["cases"].set(0, "case_no", number)  # into the case's INSERT, bound before
    for model in TABLES:
        table, _, write = stored_table(model)
        if table.name in prepared.bound:
            write.insert_bound(cursor, prepared.bound[table.name])
    audit = prepared.audit
    # the answers to fetch later each on a cursor of its own (one cursor keeps only its last answer)
    numbering, head = (conn.cursor(), conn.cursor()) if late_number else (cursor, cursor)
    try:
        if late_number:
            send_case_number(numbering, dialect, region, day)
        # last, so the day's audit chain (its head row) is held only for the end of the transaction
        take_head(head, dialect, audit["at"])
        if late_number:
            number = _numbered(prepared, taken_case_number(numbering, region, day))
            _SET_NUMBER.send(cursor, dialect, {"case": prepared.case.case_id, "number": number})
        write_entry(
            cursor,
            head,
            dialect,
            audit["at"],
            audit["actor"],
            audit["action"],
            audit["detail"],
            case_id=audit["case_id"],
        )
    finally:
        if late_number:
            numbering.close()
            head.close()


def _numbered(prepared: Prepared, number: str) -> str:
    prepared.case.case_no = number
    prepared.rows["cases"][0]["case_no"] = number
    return number


_SET_NUMBER = PreparedWrite(
    update(_CASES).where(_CASES.c.case_id == bindparam("case")).values(case_no=bindparam("number"))
)
_AUDIT_ACTOR = "audit_log.actor"  # the context audit_log.actor_sealed seals under (its SealedText)
