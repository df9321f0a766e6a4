"""The demo's opening data (演示数据): ``lianban demo`` starts with something on every desk.

In the demo every department is simulated, so nothing would ever wait for a reviewer. Before the
demo serves, this files, as Hebei flexible workers would have done online on earlier days:

- three cases whose 医保 item already waits in the 医保 reviewers' worklist (部门工作台) — one
  filed a month ago, so it is past its promised date (超期), one two working days ago, one this
  morning; their other items go to the simulated departments as usual once the demo starts;
- two bookings for today at the practice hall (沙箱演示大厅), for the window clerk to check in;
- one case decided by every department a fortnight ago and rated 非常不满意 by its applicant for
  its 医保 item's wait, so a 差评 follow-up (差评整改) is open for 医保 to answer and the
  supervisor to watch.

Everything goes through the platform's own services (filing, the dispatcher's worklist hand-over,
the worklist decisions, rating) on a clock set to those days, so the cases are what real ones
would be. Seeded once: a database that has the demo's cases is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from lianban.appointments.halls import load_halls
from lianban.bootstrap import Platform, build_platform
from lianban.calendar import CHINA_TZ, is_working_day
from lianban.cases.schema import Case, CaseItem, OutboxJob
from lianban.cases.service import Application, file_application
from lianban.cases.worklist import decide_item, worklist_id
from lianban.clock import SettableClock
from lianban.config import Settings
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban.errors import DomainError
from lianban.forms.service import FilledForm
from lianban.ratings.service import RatingRequest, rate
from lianban.security.tokens import Identity, Role
from lianban_sandbox.bookings import PRACTICE_HALL, NoSlotToday, book_today
from lianban_sandbox.registry import sandbox_people

THEME = "hebei.flexible-employment"
WORKLIST_DEPARTMENT = "medical_insurance"  # 医保: the reviewers' account ``medical_insurance``
SEED_KEY = "sandbox-demo-seed"  # the idempotency key prefix of the demo's cases
WAITING_AGES = (30, 2, 0)  # working days before today each waiting case was filed
RATED_AGE = 12


@dataclass(frozen=True)
class Seeded:
    waiting: list[str]
    overdue: list[str]
    rated: str | None


def _working_days_ago(today: date, n: int) -> date:
    day = today
    while n > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=CHINA_TZ).astimezone(UTC)


def hebei_form(platform: Platform, filed_on: date) -> dict[str, Any]:
    """What a Hebei flexible worker types on table 2; the rest comes from data sharing."""
    lists = platform.catalogue.code_lists
    return {
        "employment.start_date": (filed_on - timedelta(days=7)).isoformat(),
        "employment.registration_type": lists["hebei.registration_type"].codes[0].code,  # 登记就业
        "employment.type": lists["hebei.employment_type"].codes[2].code,  # 灵活就业
        "employment.work_region": "130104",
        "employment.special_group": lists["hebei.special_group_category"].codes[-1].code,  # 其他
        "archives.receiving_agency_code": "130100001",
    }


def _hebei_people() -> list[str]:
    return [
        str(p["id_number"])
        for p in sandbox_people(limit=200)
        # synthetic people only: the personas stay as the README describes them, with no case
        if p.get("persona") is None and str(p["id_number"]).startswith("1301") and 22 <= int(p["age"]) <= 50
    ]


def _file(platform: Platform, clock: SettableClock, person: str, n: int) -> str | None:
    identity = Identity(subject=f"person:{person}", role=Role.APPLICANT, id_number=person)
    application = Application(THEME, FilledForm(form=hebei_form(platform, clock.today())))
    try:
        filing = file_application(platform, identity, application, idempotency_key=f"{SEED_KEY}-{n}")
    except DomainError:  # this synthetic person is not eligible: the next one is tried
        return None
    return str(filing.answer["case_id"])


def _to_worklist(platform: Platform, clock: SettableClock, case_id: str, department: str | None) -> None:
    """Hand the case's due sends (of ``department``, or all) to the worklist, as a dispatcher of a
    deployment without those departments' systems would."""
    config = DispatchConfig(platform.department_keys, {}, "http://127.0.0.1:9")
    dispatcher = Dispatcher(platform.sessions, platform.catalogue, config, clock=clock)
    try:
        with platform.sessions() as session:
            query = (
                select(OutboxJob.job_id)
                .join(
                    CaseItem,
                    (CaseItem.case_id == OutboxJob.case_id) & (CaseItem.item_id == OutboxJob.item_id),
                )
                .where(
                    OutboxJob.case_id == case_id, OutboxJob.kind == "dispatch", OutboxJob.status == "pending"
                )
            )
            if department is not None:
                query = query.where(CaseItem.department == department)
            jobs = list(session.execute(query).scalars())
        for job_id in jobs:
            dispatcher.handle(case_id, job_id)
    finally:
        dispatcher.close()


def _decide_everything(platform: Platform, clock: SettableClock, case_id: str) -> None:
    """Each department approves the case's items in its worklist, in dependency order."""
    for _ in range(10):
        _to_worklist(platform, clock, case_id, None)
        with platform.sessions() as session:
            items = list(
                session.execute(
                    select(CaseItem).where(CaseItem.case_id == case_id, CaseItem.status == "dispatched")
                ).scalars()
            )
            status = session.get(Case, case_id).status  # type: ignore[union-attr]
        if not items:
            if status in ("completed", "partially_completed", "rejected"):
                return
            continue
        for item in items:
            reviewer = Identity(
                subject=f"staff:{item.department}", role=Role.DEPARTMENT_STAFF, department=item.department
            )
            decide_item(platform, reviewer, worklist_id(item), "approve")
        clock.advance(timedelta(hours=2))


def already_seeded(platform: Platform) -> bool:
    with platform.sessions() as session:
        return (
            session.execute(
                select(Case.case_id).where(Case.idempotency_key.like(f"{SEED_KEY}%")).limit(1)
            ).first()
            is not None
        )


def seed_demo(settings: Settings) -> Seeded | None:
    """File the demo's opening cases (see the module docstring); None when they are there already."""
    today = datetime.now(CHINA_TZ).date()
    clock = SettableClock(_at(today, 9))
    platform = build_platform(settings, clock=clock)
    try:
        if already_seeded(platform):
            return None
        people = iter(_hebei_people())
        waiting: list[str] = []
        overdue: list[str] = []
        for n, age in enumerate(WAITING_AGES):
            clock.set(_at(_working_days_ago(today, age), 9))
            case_id = None
            while case_id is None:
                case_id = _file(platform, clock, next(people), n)
            _to_worklist(platform, clock, case_id, WORKLIST_DEPARTMENT)
            waiting.append(case_id)
            with platform.sessions() as session:
                due = session.execute(
                    select(CaseItem.promised_due_date).where(
                        CaseItem.case_id == case_id, CaseItem.department == WORKLIST_DEPARTMENT
                    )
                ).scalar()
            if due is not None and due < today:
                overdue.append(case_id)
        clock.set(_at(_working_days_ago(today, RATED_AGE), 10))
        rated = None
        while rated is None:
            rated = _file(platform, clock, next(people), len(WAITING_AGES))
        applicant = _applicant(platform, rated)
        _decide_everything(platform, clock, rated)
        clock.advance(timedelta(days=1))
        with platform.sessions() as session, session.begin():
            rate(
                session,
                platform.catalogue,
                applicant,
                rated,
                RatingRequest(
                    level=1,
                    comment="医保登记等了很久，也没人告诉我进度",
                    reasons=("slow",),
                    departments=(WORKLIST_DEPARTMENT,),
                ),
                clock.now(),
                platform.regional.ratings,
            )
        _book_today(platform, people)
        return Seeded(waiting, overdue, rated)
    finally:
        platform.engine.dispose()


def _book_today(platform: Platform, people: Iterator[str]) -> None:
    """Two walk-ins booked for today at the practice hall (the clock of the demo's start)."""
    hall = load_halls(platform.regional.halls_file).get(PRACTICE_HALL)
    if hall is None:  # a deployment's own halls file: no practice hall to book
        return
    with platform.sessions() as session, session.begin():
        for _ in range(2):
            try:
                book_today(session, hall, f"person:{next(people)}", THEME, datetime.now(UTC))
            except NoSlotToday:  # the last seconds of the day
                return


def _applicant(platform: Platform, case_id: str) -> Identity:
    with platform.sessions() as session:
        owner = session.execute(select(Case.owner_sealed).where(Case.case_id == case_id)).scalar_one() or ""
    number = owner.partition(":")[2]
    return replace(Identity(subject=owner, role=Role.APPLICANT), id_number=number)
