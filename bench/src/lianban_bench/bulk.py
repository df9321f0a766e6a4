"""Bulk-generated cases for the status-at-scale benchmark (批量生成办件).

``bulk_generate`` fills a migrated database with cases that look like real filings of one theme —
a Hubei graduate's eight sub-items (子件) with receipt numbers, due dates under the statutory
calendar, a timeline, the audit entry, the outbox jobs (all ``done``: no worker may pick them up),
the delivery (统一送达) and the in-app notices of finished cases — until the database holds the
number asked for, so 10k → 100k → 1M reuses what is there.

The rows are written with plain SQL for speed: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
Every value still goes through its column type's bind processor for the dialect, the same step
SQLAlchemy Core takes, so a ``TypeDecorator`` on a column (field encryption of ``Case.form``,
``CaseItem.payload``, ``Delivery.address``) applies exactly as it does through the ORM.

Written by hand because no library makes this domain's rows; generic fake-data libraries (Faker)
are slower per value and cannot give what is needed here: every value a function of
``(seed, case number)``, so a later call continues the same sequence, and resident ID numbers that
are distinct by construction (a bijection of the owner's number) and checksum-valid (python-stdnum).

A generated case is marked by its ``Idempotency-Key`` ``bulk-{seed}-{n}`` (a real client key has
the same shape of freedom); its case id has the format filing uses, ``LB`` + date + 10 hex digits,
with the hex part a bijection of ``n`` and dated before the day of generation, so generated ids
never collide with each other nor with the day's real filings.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import json
import multiprocessing
import os
import random
import time as clock
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, text
from sqlalchemy.sql import sqltypes
from stdnum.cn import ric

import lianban.cases.schema  # noqa: F401 — registers the cases room's tables on Base.metadata
from lianban.calendar import due_date
from lianban.cases.states import CaseStatus, ItemStatus, case_status
from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban.catalog.model import ConnectorKind, Item, Theme
from lianban.catalog.outcomes import case_finish_times, finish_times
from lianban.db import Base, make_engine
from lianban.forms.split import item_payload
from lianban.notify.events import CASE_WORDS

S = ItemStatus
NO_MATERIALS: list[Any] = []  # shared, never changed: serialised once per batch
# item statuses as plain strings in the hot loop (an enum member lookup costs more than the rest)
WAITING, QUEUED, APPROVED, REJECTED = (s.value for s in (S.WAITING, S.QUEUED, S.APPROVED, S.REJECTED))
BATCH_CASES = 5000
PARALLEL_FROM = 20_000  # cases to add before more processes are worth their start
MARK = "bulk"  # Idempotency-Key of a generated case: bulk-{seed}-{n}

# ---- the people: Wuhan graduates (GB/T 2260 district codes of Wuhan, real universities and streets)
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("420102", "江岸区"),
    ("420103", "江汉区"),
    ("420104", "硚口区"),
    ("420105", "汉阳区"),
    ("420106", "武昌区"),
    ("420107", "青山区"),
    ("420111", "洪山区"),
    ("420112", "东西湖区"),
    ("420113", "汉南区"),
    ("420114", "蔡甸区"),
    ("420115", "江夏区"),
    ("420116", "黄陂区"),
    ("420117", "新洲区"),
)
BIRTH_FIRST = date(1996, 1, 1)
BIRTH_DAYS = 2922  # born 1996–2003: graduates of the last few years
ID_SPACE = len(DISTRICTS) * BIRTH_DAYS * 999  # district × birth day × sequence 001–999
ID_STEP = 7919  # a prime not dividing ID_SPACE (= 2·3^4·13·37·487): owner → ID number is a bijection
MASK40 = (1 << 40) - 1
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚华玉兰萍红梅鑫宇浩然轩欣怡涵思远嘉豪晨曦萱俊佳琪博雅婷志海燕翊诺心悦航睿泽"
SCHOOLS = (
    "武汉大学",
    "华中科技大学",
    "华中师范大学",
    "武汉理工大学",
    "中南财经政法大学",
    "湖北大学",
    "武汉科技大学",
    "湖北工业大学",
    "江汉大学",
    "武汉职业技术学院",
)
MAJORS = (
    "计算机科学与技术",
    "软件工程",
    "会计学",
    "汉语言文学",
    "机械设计制造及其自动化",
    "法学",
    "电子信息工程",
    "市场营销",
    "土木工程",
    "视觉传达设计",
)
STREETS = (
    "珞喻路",
    "雄楚大道",
    "解放大道",
    "中山大道",
    "武珞路",
    "光谷大道",
    "建设大道",
    "友谊大道",
    "民族大道",
)
WORK = ("自由职业（软件开发外包）", "网络直播", "外卖配送", "自由撰稿", "平面设计", "家教服务", "摄影摄像")
LEVELS = ("20", "20", "20", "30", "14")  # 本科 mostly, some 专科 and 硕士 (GB/T 4658 graduation codes)
REFUSALS = (
    "申请信息与部门登记信息不一致，请核实后重新申请",
    "已在其他统筹地区参保，不能重复登记",
    "不符合受理条件：超过补贴申领期限",
    "户籍信息核验未通过",
)
REFUSED_BY_WAIT = "所等待的前置事项未获准予，本事项无法办理"


@dataclass(frozen=True)
class BulkInfo:
    cases: int  # cases now in the database made by this generator (total)
    owners: list[str]  # a sample of owners (id numbers) that have cases, for list queries
    case_ids: list[str]  # a sample of case ids (with their owner in owner_of) for detail queries
    owner_of: dict[str, str]  # case_id -> owner
    seconds: float  # time this call spent


# ---------------------------------------------------------------------------- the theme, once


@dataclass(frozen=True)
class _ItemPlan:
    item: Item
    waits_for: tuple[str, ...]  # item codes present in the case
    waits_for_any: tuple[str, ...]
    legal_days: int  # from acceptance, along the dependency graph (as filing counts them)
    promised_days: int
    documents: tuple[dict[str, Any], ...]  # physical documents it issues (for delivery)
    waits_json: tuple[list[str], list[str]]  # shared by every row: processed once per batch


@dataclass(frozen=True)
class _ThemePlan:
    theme: Theme
    digest: str
    order: tuple[_ItemPlan, ...]  # dependencies first
    case_legal_days: int
    case_promised_days: int
    keys: frozenset[str]  # canonical keys the theme's items use
    situation: dict[str, str]  # the situation answers (情形) every generated case gives
    refusable: tuple[str, ...]  # items a department may refuse (a status lookup is always answered)
    codes: dict[str, tuple[str, ...]]  # code lists the generated values draw from


def _plan(catalogue: Catalogue, theme: Theme, digest: str) -> _ThemePlan:
    items = [it for it in theme.items if it.applies_if is None]
    legal = case_finish_times(theme, items, "legal")  # as filing computes them
    promised = case_finish_times(theme, items, "promised")
    depth = finish_times(items, {it.code: 1 for it in items})
    present = {it.code for it in items}
    order = tuple(
        _ItemPlan(
            item=it,
            waits_for=tuple(c for c in it.waits_for if c in present),
            waits_for_any=tuple(c for c in it.waits_for_any if c in present),
            legal_days=legal[it.code],
            promised_days=promised[it.code],
            documents=tuple(
                {"item": it.code, "code": d.code, "name": d.name} for d in it.issues if d.physical
            ),
            waits_json=(
                [c for c in it.waits_for if c in present],
                [c for c in it.waits_for_any if c in present],
            ),
        )
        for it in sorted(items, key=lambda i: depth[i.code])
    )

    def codes(name: str, wanted: Sequence[str]) -> tuple[str, ...]:
        listed = catalogue.code_lists.get(name)
        known = {c.code for c in listed.codes} if listed else set(wanted)
        return tuple(c for c in wanted if c in known) or tuple(sorted(known))[:1]

    return _ThemePlan(
        theme=theme,
        digest=digest,
        order=order,
        case_legal_days=max(legal.values(), default=0),
        case_promised_days=max(promised.values(), default=0),
        keys=frozenset(f.key for it in items for f in it.fields),
        situation={s.id: s.default or s.options[0].code for s in theme.situations if s.applies_if is None},
        refusable=tuple(p.item.code for p in order if p.item.connector is not ConnectorKind.QUERY),
        codes={
            "id_type": codes("id_document_type", ["01"]),
            "ethnicity": codes("gb3304_ethnicity", ["01"] * 18 + ["03", "06", "15"]),
            "level": codes("gb4658_education", LEVELS),
            "flexible_form": codes(
                "hubei.flexible_employment_form",
                ["flexible", "flexible", "self_employment", "individual_business"],
            ),
            "collection": codes("hubei.card_collection_method", ["post", "post", "pickup"]),
        },
    )


# ---------------------------------------------------------------------------- the people


def owner_id_number(seed: int, owner: int) -> str:
    """The resident ID number (公民身份号码) of generated owner ``owner``: distinct per owner."""
    p = (owner * ID_STEP + seed * 104_729 + 12_345_677) % ID_SPACE
    p, district = divmod(p, len(DISTRICTS))
    sequence, day = divmod(p, BIRTH_DAYS)
    body = f"{DISTRICTS[district][0]}{BIRTH_FIRST + timedelta(days=day):%Y%m%d}{sequence + 1:03d}"
    return body + ric.calc_check_digit(body + "0")


def _person(plan: _ThemePlan, seed: int, owner: int) -> dict[str, Any]:
    """What the owner's forms say about them (the same person on each of their cases)."""
    number = owner_id_number(seed, owner)
    rng = random.Random(f"{seed}:owner:{owner}")
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    district = next(name for code, name in DISTRICTS if code == number[:6])
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    c = plan.codes
    address = {"region": number[:6], "detail": f"{district}{rng.choice(STREETS)}{rng.randrange(1, 999)}号"}
    collection = rng.choice(c["collection"])
    return {
        "person.name": name,
        "person.id_type": c["id_type"][0],
        "person.id_number": number,
        "person.gender": "1" if int(number[16]) % 2 else "2",
        "person.ethnicity": rng.choice(c["ethnicity"]),
        "person.birth_date": born.isoformat(),
        "person.mobile": mobile,
        "person.residence_address": address,
        "education.school": rng.choice(SCHOOLS),
        "education.major": rng.choice(MAJORS),
        "education.level": rng.choice(c["level"]),
        "employment.flexible_form": rng.choice(c["flexible_form"]),
        "employment.unit_name": rng.choice(WORK),
        "social_card.collection_method": collection,
        **({"delivery.address": address, "delivery.recipient": name} if collection == "post" else {}),
    }


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
    audits: list[tuple[Any, ...]] = field(default_factory=list)
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
        rows.audits.append(
            (
                h.case_id,
                1,
                at0,
                owner,
                "submit",
                {
                    "channel": channel,
                    "owner": owner,
                    "items": len(runs),
                    "request_hash": rows.cases[-1][14],
                    "theme_digest": plan.digest,
                },
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


# ---------------------------------------------------------------------------- writing


TABLES = Base.metadata.tables
COLUMNS: dict[str, tuple[Table, tuple[str, ...]]] = {
    "cases": (
        TABLES["cases"],
        (
            "case_id",
            "theme_id",
            "theme_digest",
            "owner",
            "actor",
            "channel",
            "status",
            "situation",
            "form",
            "materials",
            "accepted_at",
            "due_date",
            "promised_due_date",
            "idempotency_key",
            "request_hash",
            "updated_at",
        ),
    ),
    "items": (
        TABLES["case_items"],
        (
            "case_id",
            "item_id",
            "code",
            "employee",
            "department",
            "status",
            "waits_for",
            "waits_for_any",
            "payload",
            "receipt_no",
            "reason",
            "result",
            "legal_due_date",
            "promised_due_date",
            "progress",
            "revision",
            "updated_at",
        ),
    ),
    "jobs": (
        TABLES["outbox_jobs"],
        ("case_id", "job_id", "item_id", "kind", "status", "due_at", "attempts", "lease_until", "last_error"),
    ),
    "events": (TABLES["timeline_events"], ("case_id", "seq", "at", "event", "item_id", "detail")),
    "audits": (TABLES["audit_entries"], ("case_id", "seq", "at", "actor", "action", "detail")),
    "deliveries": (
        TABLES["deliveries"],
        (
            "case_id",
            "delivery_id",
            "method",
            "documents",
            "address",
            "recipient",
            "tracking_no",
            "pickup_code",
            "status",
            "created_at",
        ),
    ),
    "notices": (TABLES["notices"], ("case_id", "seq", "at", "channel", "recipient", "text")),
}


class _Writer:
    """Plain-SQL inserts, each value through its column type's bind processor (TypeDecorators too)."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.sqlite = self.dialect.name == "sqlite"
        database = engine.url.database
        self.lock_file = (
            f"{database}.bulk-lock" if self.sqlite and database and database != ":memory:" else None
        )
        self.raw = engine.raw_connection()
        self.processors: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}
        for name, (table, columns) in COLUMNS.items():
            procs: list[tuple[int, Callable[[Any], Any]]] = []
            for i, column in enumerate(columns):
                bind = table.c[column].type.dialect_impl(self.dialect).bind_processor(self.dialect)
                if bind is None:
                    continue
                proc: Callable[[Any], Any] = bind if self.sqlite else _as_json_text(bind)
                if self.sqlite and isinstance(table.c[column].type, sqltypes.DateTime):
                    proc = _sqlite_datetime  # what SQLAlchemy's processor writes, in C
                procs.append((i, _memo(proc) if _is_date(table, column) else proc))
            self.processors[name] = procs
        cursor = self.raw.cursor()
        if self.sqlite:
            # busy_timeout: a generating process waits its turn while another commits its batch
            pragmas = ("busy_timeout=600000", "synchronous=OFF", "cache_size=-262144", "temp_store=MEMORY")
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
        else:
            cursor.execute("SET synchronous_commit = off")
        cursor.close()
        self.raw.commit()

    def prepare(self, name: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]] | bytes:
        """The rows as the database takes them: every value through its bind processor, and on
        PostgreSQL the whole COPY text (done before the write, outside any lock)."""
        procs = self.processors[name]
        if procs:
            # one object shared by many rows (an owner's form and payloads, constant lists) is
            # processed once: sealing and serialising are most of the cost
            seen: dict[int, tuple[Any, Any]] = {}
            rows = [_processed(row, procs, seen) for row in rows]
        if self.sqlite:
            return rows
        try:
            return "".join(["\t".join([_copy_field(v) for v in row]) + "\n" for row in rows]).encode("utf-8")
        except TypeError:  # a value of a kind the text format below does not know: row by row
            return rows

    def insert(self, name: str, data: list[tuple[Any, ...]] | bytes) -> None:
        if not data:
            return
        table, columns = COLUMNS[name]
        cursor = self.raw.cursor()
        copy_sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        try:
            if isinstance(data, bytes):
                with cursor.copy(copy_sql) as copy:
                    copy.write(data)
            elif self.sqlite:
                marks = ", ".join("?" for _ in columns)
                cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", data)
            else:
                with cursor.copy(copy_sql) as copy:
                    for row in data:
                        copy.write_row(row)
        finally:
            cursor.close()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """SQLite: this process's turn to write, among the generating processes (a file lock).
        Waiting outside SQLite's own lock keeps every writer out of a transaction while it waits,
        so the write-ahead log is emptied after each batch instead of growing without end."""
        if not self.sqlite or self.lock_file is None:
            yield
            return
        with open(self.lock_file, "a+b") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(held, fcntl.LOCK_UN)

    def checkpoint(self) -> None:
        """SQLite: the batch moved from the write-ahead log into the file, the log emptied."""
        if self.sqlite:
            cursor = self.raw.cursor()
            try:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                cursor.close()

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        cursor = self.raw.cursor()
        if self.sqlite:
            cursor.execute("PRAGMA synchronous=NORMAL")  # the platform's own setting (lianban.db)
        cursor.close()
        self.raw.close()


def _as_json_text(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """psycopg's JSON wrapper, serialised here: a value shared by many rows is then serialised once."""
    from psycopg.types.json import Json, Jsonb

    def process(value: Any) -> Any:
        out = proc(value)
        if isinstance(out, Json | Jsonb):
            return (out.dumps or json.dumps)(out.obj)
        return out

    return process


SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for DateTime on SQLite


def _sqlite_datetime(value: datetime) -> str:
    return value.strftime(SQLITE_DATETIME)


def _escaped(value: str) -> str:
    """Backslash, tab and line ends escaped (str.replace and ``in`` run in C; str.translate does not)."""
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _copy_field(value: Any) -> str:
    """One field in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):  # datetimes too: ISO 8601 with the offset
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _is_date(table: Table, column: str) -> bool:
    """Dates repeat across a batch (due dates): their processed form is worth remembering."""
    return isinstance(table.c[column].type, sqltypes.Date)


def _memo(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return functools.lru_cache(maxsize=4096)(proc)


def _processed(
    row: tuple[Any, ...], procs: list[tuple[int, Callable[[Any], Any]]], seen: dict[int, tuple[Any, Any]]
) -> tuple[Any, ...]:
    values = list(row)
    for i, proc in procs:
        value = values[i]
        if value is None:
            continue
        if isinstance(value, dict | list):  # by identity; the object is kept, so its id stays its own
            known = seen.get(id(value))
            if known is None:
                known = seen[id(value)] = (value, proc(value))
            values[i] = known[1]
        else:
            values[i] = proc(value)
    return tuple(values)


# ---------------------------------------------------------------------------- the call


def _stored_digest(engine: Engine, catalogue: Catalogue, theme_id: str) -> str:
    if theme_id not in catalogue.themes:
        raise ValueError(f"unknown theme {theme_id!r}")
    wanted = catalogue.theme_digest(theme_id)
    with engine.connect() as conn:
        stored = {
            row[0]
            for row in conn.execute(
                text("SELECT digest FROM theme_versions WHERE theme_id = :t"), {"t": theme_id}
            )
        }
    if wanted not in stored:
        raise LookupError(
            f"theme {theme_id} (digest {wanted[:12]}…) is not stored: run `lianban migrate` first"
        )
    return wanted


def _generated(engine: Engine, seed: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM cases WHERE idempotency_key LIKE :mark"),
                {"mark": f"{MARK}-{seed}-%"},
            ).scalar_one()
        )


def _analyze(engine: Engine) -> None:
    """Tell the planner the new sizes; on SQLite, move the write-ahead log into the file and empty
    it (writers taking turns without a pause never let SQLite's automatic checkpoint reset it)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA analysis_limit=2000")
            conn.exec_driver_sql("ANALYZE")
        else:
            tables = ", ".join(table.name for table, _ in COLUMNS.values())
            conn.exec_driver_sql(f"ANALYZE {tables}")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _batches(start: int, stop: int, size: int) -> Iterator[range]:
    for first in range(start, stop, size):
        yield range(first, min(first + size, stop))


@dataclass(frozen=True)
class _Job:
    """What a generating process needs to make any batch of the sequence."""

    database_url: str
    theme_id: str
    seed: int
    cases_per_owner: int
    today: datetime


class _Filler:
    """One process's generator and writer; batches are written and committed one at a time."""

    def __init__(self, job: _Job) -> None:
        themes_dir = os.environ.get("LIANBAN_THEMES_DIR")
        catalogue = default_catalogue(Path(themes_dir) if themes_dir else None)
        self.engine = make_engine(job.database_url)
        theme = catalogue.theme(job.theme_id)
        plan = _plan(catalogue, theme, _stored_digest(self.engine, catalogue, job.theme_id))
        self.generator = _Generator(plan, job.seed, job.cases_per_owner, job.today)
        self.writer = _Writer(self.engine)

    def fill(self, batch: range) -> int:
        rows = _Rows()
        for n in batch:
            self.generator.add(rows, n)
        ready = [(name, self.writer.prepare(name, getattr(rows, name))) for name in COLUMNS]
        with self.writer.turn():
            for name, data in ready:  # the case rows first: the others refer to them
                self.writer.insert(name, data)
            self.writer.commit()
            self.writer.checkpoint()
        return len(batch)

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()


_FILLER: _Filler | None = None  # a generating process's own (see _fill_in_process)


def _start_process(job: _Job) -> None:
    global _FILLER
    _FILLER = _Filler(job)
    atexit.register(_FILLER.close)


def _fill_in_process(batch: range) -> int:
    assert _FILLER is not None, "the process was not started with _start_process"
    return _FILLER.fill(batch)


def _processes(missing: int, asked: int | None) -> int:
    """How many processes generate: every core for a large fill (generation is CPU-bound and each
    batch is its own transaction; SQLite's writers take turns on its lock), one for a small one
    (a process start costs more than it saves)."""
    if asked is not None:
        return max(1, asked)
    return min(os.cpu_count() or 1, 4) if missing >= PARALLEL_FROM else 1


def _contiguous(engine: Engine, seed: int, have: int) -> None:
    """Generated cases are numbered 0…have-1 without gaps (a fill stopped half-way by a crash can
    leave whole batches missing in between: start from a fresh database then)."""
    if have == 0:
        return
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT count(*) FROM cases WHERE idempotency_key = :k"), {"k": f"{MARK}-{seed}-{have - 1}"}
        ).scalar_one()
    if not last:
        raise RuntimeError(
            f"the {have} generated cases are not numbered 0…{have - 1}: an earlier fill was interrupted; "
            "generate into a fresh database"
        )


def bulk_generate(
    database_url: str,
    target_cases: int,
    *,
    theme_id: str = "hubei.graduate-employment",
    cases_per_owner: int = 3,
    sample: int = 1000,
    seed: int = 0,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BulkInfo:
    """Add cases until the database holds target_cases generated cases (so 10k → 100k → 1M reuses
    what is there); the database must already be migrated (lianban migrate).

    A large fill runs in one process per core (``processes`` overrides); each batch of
    ``BATCH_CASES`` cases is generated, written and committed by one of them."""
    started = clock.perf_counter()
    if target_cases < 0 or cases_per_owner < 1:
        raise ValueError("target_cases must be ≥ 0 and cases_per_owner ≥ 1")
    if -(-target_cases // cases_per_owner) > ID_SPACE:
        raise ValueError(f"at most {ID_SPACE * cases_per_owner} cases with {cases_per_owner} per owner")
    themes_dir = os.environ.get("LIANBAN_THEMES_DIR")
    catalogue = default_catalogue(Path(themes_dir) if themes_dir else None)
    theme = catalogue.theme(theme_id) if theme_id in catalogue.themes else None
    if theme is None or theme.applicant_type != "person":
        raise ValueError(f"{theme_id!r}: bulk generation makes cases of a person's theme")
    engine = make_engine(database_url)
    try:
        _stored_digest(engine, catalogue, theme_id)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        job = _Job(database_url, theme_id, seed, cases_per_owner, today)
        have = _generated(engine, seed)
        _contiguous(engine, seed, have)
        if have < target_cases:
            batches = list(_batches(have, target_cases, BATCH_CASES))
            count = min(_processes(target_cases - have, processes), len(batches))
            done = have
            if count == 1:
                filler = _Filler(job)
                try:
                    for batch in batches:
                        done += filler.fill(batch)
                        if progress is not None:
                            progress(done, target_cases)
                finally:
                    filler.close()
            else:
                context = multiprocessing.get_context("spawn")  # no state of this process carried over
                with ProcessPoolExecutor(count, context, _start_process, (job,)) as pool:
                    for made in pool.map(_fill_in_process, batches):
                        done += made
                        if progress is not None:
                            progress(done, target_cases)
            _analyze(engine)
        total = max(have, target_cases)
        owner_of = _sample(engine, seed, cases_per_owner, total, sample)
    finally:
        engine.dispose()
    return BulkInfo(
        cases=total,
        owners=list(dict.fromkeys(owner_of.values())),
        case_ids=list(owner_of),
        owner_of=owner_of,
        seconds=clock.perf_counter() - started,
    )


def _sample(engine: Engine, seed: int, cases_per_owner: int, total: int, size: int) -> dict[str, str]:
    """Case id → owner's ID number for ``size`` generated cases spread over all ``total``.

    Read from the database through the owner index (an owner's ID number follows from the case
    number; its case ids depend on the day they were generated on)."""
    if size <= 0 or total <= 0:
        return {}
    numbers = sorted({n * total // size for n in range(min(size, total))})
    keys = {f"{MARK}-{seed}-{n}": n for n in numbers}
    owners = sorted({f"person:{owner_id_number(seed, n // cases_per_owner)}" for n in numbers})
    found: dict[int, tuple[str, str]] = {}
    with engine.connect() as conn:
        for first in range(0, len(owners), 500):
            chunk = owners[first : first + 500]
            marks = ", ".join(f":o{i}" for i in range(len(chunk)))
            rows = conn.execute(
                text(f"SELECT case_id, owner, idempotency_key FROM cases WHERE owner IN ({marks})"),
                {f"o{i}": owner for i, owner in enumerate(chunk)},
            )
            for case_id, owner, key in rows:
                if key in keys:
                    found[keys[key]] = (case_id, owner.removeprefix("person:"))
    return dict(found[n] for n in numbers if n in found)


__all__ = ["BulkInfo", "bulk_generate", "owner_id_number"]
