"""One bulk-generated case at a time (:mod:`lianban_bench.bulk`): its head (number, owner,
dates) and every row it has — sub-items, timeline, outbox jobs, delivery, notices (no audit
entries: the audit chain is written by filings only) —
as a function of ``(seed, n)``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import lianban.cases.schema  # noqa: F401 — registers the cases room's tables on Base.metadata
from lianban.calendar import due_date
from lianban.cases.states import CaseStatus, ItemStatus, case_status
from lianban.catalog.model import ConnectorKind
from lianban.forms.split import item_payload
from lianban.notify.events import CASE_WORDS
from lianban_bench.bulk_world import (
    APPROVED,
    MARK,
    MASK40,
    NO_MATERIALS,
    QUEUED,
    REFUSALS,
    REFUSED_BY_WAIT,
    REJECTED,
    WAITING,
    _ItemPlan,
    _person,
    _ThemePlan,
)

# ---------------------------------------------------------------------------- one case


def _hex_part(seed: int, n: int) -> str:
    """10 hex digits, a bijection of ``n`` on 40 bits (odd multipliers and xorshifts), so generated
    ids never repeat and still look random."""
    x = (n + seed * 0x5DEECE66D + 0x2545F4914F) & MASK40
    for multiplier in (0x9E3779B97F, 0xBF58476D1D):
        x = (x * multiplier) & MASK40
        x ^= x >> 19
    return f"{x:010X}"


@dataclass
class _Head:
    n: int
    rng: random.Random
    kind: str  # completed | partial | in_progress | submitted
    accepted_at: datetime
    case_id: str
    owner: int


def _head(seed: int, n: int, today: datetime, cases_per_owner: int) -> _Head:
    rng = random.Random((seed << 40) ^ n)
    roll = rng.random()
    kind = (
        "completed"
        if roll < 0.85
        else "partial"
        if roll < 0.90
        else "in_progress"
        if roll < 0.98
        else "submitted"
    )
    days_ago = {
        "completed": rng.randrange(30, 730),
        "partial": rng.randrange(30, 730),
        "in_progress": rng.randrange(1, 30),
        "submitted": 1,
    }[kind]
    # office hours in China (UTC+8): 08:30–17:30
    accepted_at = today - timedelta(days=days_ago) + timedelta(seconds=rng.randrange(1800, 34200))
    return _Head(
        n, rng, kind, accepted_at, f"LB{accepted_at:%Y%m%d}{_hex_part(seed, n)}", n // cases_per_owner
    )


@dataclass
class _Run:
    """What happens to one sub-item, with times; cut at the case's snapshot."""

    plan: _ItemPlan
    events: list[tuple[datetime, str, str | None]] = field(default_factory=list)  # (at, event, detail)
    status: str = QUEUED
    decided_at: datetime | None = None
    ready_at: datetime | None = None
    receipt_no: str | None = None


@dataclass
class _Rows:
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    jobs: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    deliveries: list[tuple[Any, ...]] = field(default_factory=list)
    notices: list[tuple[Any, ...]] = field(default_factory=list)


class _Generator:
    def __init__(self, plan: _ThemePlan, seed: int, cases_per_owner: int, today: datetime) -> None:
        self.plan, self.seed, self.per_owner, self.today = plan, seed, cases_per_owner, today
        # the owner being generated: their form values and item payloads (拆分还原, once per owner)
        self._person: tuple[int, dict[str, Any], dict[str, dict[str, Any]]] | None = None
        self._dues: dict[tuple[date, int], date] = {}  # acceptance days × limits: a few thousand

    def _due(self, day: date, days: int) -> date:
        due = self._dues.get((day, days))
        if due is None:
            due = self._dues[(day, days)] = due_date(day, days).due_date
        return due

    def person(self, owner: int) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The owner's form and item payloads (拆分还原), the same objects for all their cases: they
        file the same form each time, and the writer seals and serialises each object once."""
        if self._person is None or self._person[0] != owner:  # an owner's cases are consecutive
            plan = self.plan
            values = {k: v for k, v in _person(plan, self.seed, owner).items() if k in plan.keys}
            first = min(
                self.head(n).accepted_at for n in range(owner * self.per_owner, (owner + 1) * self.per_owner)
            )
            if "education.graduation_date" in plan.keys:  # the summer before the first application
                values["education.graduation_date"] = f"{first.year - (first.month < 7)}-06-30"
            if "employment.start_date" in plan.keys:
                values["employment.start_date"] = (first.date() - timedelta(days=owner % 83 + 7)).isoformat()
            payloads = {p.item.code: item_payload(plan.theme, p.item, values) for p in plan.order}
            self._person = (owner, values, payloads)
        return self._person[1], self._person[2]

    def head(self, n: int) -> _Head:
        return _head(self.seed, n, self.today, self.per_owner)

    def add(self, rows: _Rows, n: int) -> None:
        h = self.head(n)
        rng, plan, at0 = h.rng, self.plan, h.accepted_at
        values, payloads = self.person(h.owner)
        owner_id = values["person.id_number"]
        form = values
        owner = f"person:{owner_id}"
        refused = rng.choice(plan.refusable) if h.kind == "partial" and plan.refusable else None
        runs = self._simulate(rng, at0, refused)
        last = max((r.decided_at or at0) for r in runs.values())
        if h.kind == "submitted":
            snapshot = at0 + timedelta(seconds=1)
        elif h.kind == "in_progress":
            snapshot = min(at0 + (last - at0) * rng.uniform(0.1, 0.9), self.today - timedelta(minutes=1))
        else:
            snapshot = last
        statuses = [self._cut(r, snapshot) for r in runs.values()]
        status = case_status(statuses).value
        results = {
            code: self._result(r, owner_id) if r.status == APPROVED else None for code, r in runs.items()
        }
        channel = rng.choice(("web", "web", "web", "app"))
        day = at0.date()

        case_events: list[tuple[datetime, str, str | None, str | None]] = [
            (at0, "submitted", None, f"{plan.theme.name}：受理 {len(runs)} 个子件")
        ]
        for r in runs.values():
            case_events.extend((t, e, r.plan.item.code, d) for t, e, d in r.events)
        moved = [t for t, e, _, _ in case_events[1:] if e != "queued"]
        notices: list[tuple[datetime, str]] = []
        if moved:
            first = min(moved)
            case_events.append((first, "case_in_progress", None, None))
            notices.append((first, f"您的办件 {h.case_id} {CASE_WORDS['in_progress']}。"))
        finished = status in (CaseStatus.COMPLETED, CaseStatus.PARTIALLY_COMPLETED, CaseStatus.REJECTED)
        updated = max(t for t, *_ in case_events)
        if finished:
            case_events.append((last, f"case_{status}", None, None))
            notices.append((last, f"您的办件 {h.case_id} {CASE_WORDS[status]}。"))
            documents = [
                {**d, "number": (results[code] or {}).get("number")}
                for code, r in runs.items()
                if r.status == APPROVED
                for d in r.plan.documents
            ]
            if documents:
                self._delivery(rows, h, form, documents, last, case_events, notices)
        case_events.sort(key=lambda e: e[0])
        rows.events.extend(
            (h.case_id, seq, at, event, item, detail)
            for seq, (at, event, item, detail) in enumerate(case_events, 1)
        )
        rows.notices.extend(
            (h.case_id, seq, at, "in_app", owner, words) for seq, (at, words) in enumerate(sorted(notices), 1)
        )
        rows.cases.append(
            (
                h.case_id,
                plan.theme.id,
                plan.digest,
                owner,
                owner,
                channel,
                status,
                plan.situation,
                form,
                NO_MATERIALS,
                at0,
                self._due(day, plan.case_legal_days),
                self._due(day, plan.case_promised_days),
                f"{MARK}-{self.seed}-{n}",
                f"{rng.getrandbits(256):064x}",
                updated,
            )
        )
        for r in runs.values():
            it = r.plan.item
            reason = next((d for _, e, d in reversed(r.events) if e == "rejected"), None)
            rows.items.append(
                (
                    h.case_id,
                    it.code,
                    it.code,
                    None,
                    it.department.value,
                    r.status,
                    r.plan.waits_json[0],
                    r.plan.waits_json[1],
                    payloads[it.code],
                    r.receipt_no,
                    reason,
                    results[it.code],
                    self._due(day, r.plan.legal_days),
                    self._due(day, r.plan.promised_days),
                    sum(1 for _, e, _ in r.events if e in ("accepted", "approved", "rejected")),
                    0,
                    max((t for t, _, _ in r.events), default=at0),
                )
            )
            if r.ready_at is not None:  # queued once: its dispatch job, long since done
                sent = r.receipt_no is not None  # pushed once to the department's system
                rows.jobs.append(
                    (
                        h.case_id,
                        f"{rng.getrandbits(128):032x}",
                        it.code,
                        "dispatch",
                        "done",
                        r.ready_at,
                        int(sent),
                        None,
                        None,
                    )
                )

    def _simulate(self, rng: random.Random, at0: datetime, refused: str | None) -> dict[str, _Run]:
        runs: dict[str, _Run] = {}
        for p in self.plan.order:
            r = runs[p.item.code] = _Run(p)
            deps = [runs[c] for c in p.waits_for]
            anys = [runs[c] for c in p.waits_for_any]
            if p.waits_for or p.waits_for_any:
                r.status = WAITING
                refusal = [d for d in deps if d.status == REJECTED]
                if anys and all(d.status == REJECTED for d in anys):
                    refusal += anys
                if refusal:
                    at = max(d.decided_at or at0 for d in refusal)
                    r.events.append((at, "rejected", REFUSED_BY_WAIT))
                    r.status, r.decided_at = REJECTED, at
                    continue
                ready = max([at0, *(d.decided_at or at0 for d in deps)])
                approved = [d.decided_at or at0 for d in anys if d.status == APPROVED]
                if approved:
                    ready = max(ready, min(approved))
                r.events.append((ready, "queued", "前置事项已办结"))
            else:
                ready = at0
            r.ready_at = ready
            kind = p.item.connector
            if kind is ConnectorKind.QUERY:  # a status lookup is answered at once
                decided = ready + timedelta(seconds=rng.uniform(1, 5))
            else:
                sent = ready + timedelta(seconds=rng.uniform(2, 90))
                if kind is ConnectorKind.REST:
                    r.receipt_no = (
                        f"{p.item.department.value.upper()}-{sent:%Y%m%d}-{rng.randrange(1, 10**6):06d}"
                    )
                    detail = f"受理编号 {r.receipt_no}"
                elif kind is ConnectorKind.REDIRECT:
                    detail = "请跳转至部门网站完成办理"
                else:
                    detail = "已推送至部门工作台"
                r.events.append((sent, "dispatched", detail))
                hours = max(p.item.time_limit.promised_max, 1) * 24 * rng.uniform(0.05, 0.9)
                decided = sent + timedelta(hours=hours)
                if rng.random() < 0.2:
                    r.events.append((sent + (decided - sent) / 3, "accepted", None))
            if p.item.code == refused:
                r.events.append((decided, "rejected", rng.choice(REFUSALS)))
                r.status = REJECTED
            else:
                r.events.append((decided, "approved", None))
                r.status = APPROVED
            r.decided_at = decided
        return runs

    @staticmethod
    def _cut(r: _Run, snapshot: datetime) -> ItemStatus:
        """The item as it stood at ``snapshot``: later events have not happened yet."""
        r.events = [e for e in r.events if e[0] <= snapshot]
        if r.ready_at is not None and r.ready_at > snapshot:
            r.ready_at = None
        if not any(event == "dispatched" for _, event, _ in r.events):
            r.receipt_no = None
        r.status = (
            r.events[-1][1] if r.events else WAITING if (r.plan.waits_for or r.plan.waits_for_any) else QUEUED
        )
        return ItemStatus(r.status)

    def _result(self, r: _Run, id_number: str) -> dict[str, Any]:
        it = r.plan.item
        issued = it.issues[0].name if it.issues else "办结通知书"
        at = r.decided_at or self.today
        if it.connector is ConnectorKind.QUERY:
            return {
                "message": f"{issued}：档案存放于{it.handling_agency}",
                "checked_at": at.date().isoformat(),
            }
        if it.department.value == "social_card":
            number = id_number  # the card number is the holder's ID number
        else:
            number = f"{id_number[:6]}{at:%Y}{int((r.receipt_no or '0')[-6:] or 0):08d}"
        return {
            "document": issued,
            "number": number,
            "issued_at": at.date().isoformat(),
            "issuer": it.handling_agency,
        }

    def _delivery(
        self,
        rows: _Rows,
        h: _Head,
        form: dict[str, Any],
        documents: list[dict[str, Any]],
        at: datetime,
        case_events: list[tuple[datetime, str, str | None, str | None]],
        notices: list[tuple[datetime, str]],
    ) -> None:
        rng = h.rng
        post = form.get("social_card.collection_method") == "post" and bool(form.get("delivery.address"))
        old = at < self.today - timedelta(days=7)
        tracking = f"EA{rng.randrange(10**9):09d}CN" if post else None
        pickup = None if post else f"{rng.randrange(10**6):06d}"
        rows.deliveries.append(
            (
                h.case_id,
                f"{rng.getrandbits(128):032x}",
                "post" if post else "pickup",
                documents,
                form.get("delivery.address") if post else None,
                str(form.get("delivery.recipient") or form.get("person.name") or ""),
                tracking,
                pickup,
                ("delivered" if old else "sent") if post else ("collected" if old else "prepared"),
                at,
            )
        )
        how = f"已邮寄，运单号 {tracking}" if post else f"请到窗口领取，取件码 {pickup}"
        case_events.append((at, "delivery", None, how))
        notices.append((at, f"您的办件 {h.case_id} 的证件{how}。"))
