"""GET /api/v1/stats (监督统计: :mod:`lianban.supervision`) and GET /metrics (Prometheus), both read
from the case store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lianban.cases.schema import Case, CaseItem, OutboxJob, TimelineEvent
from lianban.clock import Clock
from lianban.dispatch.failures import WorkerErrors
from lianban.security.tokens import Identity
from lianban.supervision.figures import OPEN_ITEM, Period
from lianban.supervision.service import stats
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of
from lianban.web.exposure import metrics_access

router = APIRouter(tags=["figures"])


@router.get(
    "/api/v1/stats",
    summary="Cases by theme, status, channel and region, on-time rates, working days, overdue and "
    "due-soon items by department, 四减 figures, 好差评",
)
def get_stats(
    request: Request,
    identity: Annotated[Identity, Depends(require_identity)],
    from_: Annotated[
        date | None, Query(alias="from", description="cases accepted from this China day")
    ] = None,
    to: Annotated[date | None, Query(description="… up to and including this China day")] = None,
) -> dict[str, Any]:
    return stats(platform_of(request), identity, Period(from_, to))


class CaseStoreCollector(Collector):
    """Metrics computed from the database at each scrape, so every API process reports the same."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, worker_errors: WorkerErrors | None = None
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.worker_errors = worker_errors or WorkerErrors()

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        cases = GaugeMetricFamily("lianban_cases", "Cases by theme and status", labels=["theme", "status"])
        items = GaugeMetricFamily(
            "lianban_items", "Sub-items by department and status", labels=["department", "status"]
        )
        jobs = GaugeMetricFamily("lianban_outbox_jobs", "Outbox jobs by status", labels=["status"])
        retries = GaugeMetricFamily(
            "lianban_dispatch_retries", "Send attempts beyond the first, over pending and dead jobs"
        )
        overdue = GaugeMetricFamily("lianban_overdue_items", "Open sub-items past their promised due date")
        latency = GaugeMetricFamily(
            "lianban_dispatch_latency_seconds",
            "Seconds from acceptance (or release from waiting) to the department's receipt, last 1000 sends",
            labels=["quantile"],
        )
        with self.sessions() as session:
            for theme, status, n in session.execute(
                select(Case.theme_id, Case.status, func.count()).group_by(Case.theme_id, Case.status)
            ):
                cases.add_metric([theme, status], n)
            for dept, status, n in session.execute(
                select(CaseItem.department, CaseItem.status, func.count()).group_by(
                    CaseItem.department, CaseItem.status
                )
            ):
                items.add_metric([dept, status], n)
            for status, n in session.execute(
                select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
            ):
                jobs.add_metric([status], n)
            extra = session.execute(
                select(func.coalesce(func.sum(OutboxJob.attempts - 1), 0)).where(OutboxJob.attempts > 1)
            ).scalar()
            retries.add_metric([], float(extra or 0))
            late = session.execute(
                select(func.count())
                .select_from(CaseItem)
                .where(CaseItem.status.in_(OPEN_ITEM), CaseItem.promised_due_date < self.clock.today())
            ).scalar()
            overdue.add_metric([], float(late or 0))
            waits = sorted(
                max((sent - start).total_seconds(), 0.0)
                for sent, start in session.execute(
                    select(TimelineEvent.at, Case.accepted_at)
                    .join(Case, Case.case_id == TimelineEvent.case_id)
                    .where(TimelineEvent.event == "dispatched")
                    .order_by(TimelineEvent.at.desc())
                    .limit(1000)
                )
            )
            if waits:
                for q in (0.5, 0.99):
                    latency.add_metric([str(q)], waits[min(len(waits) - 1, int(q * len(waits)))])
        failures = CounterMetricFamily(
            "lianban_worker_errors",
            "Errors of this process's dispatch workers: poison jobs parked, jobs that failed, rounds that failed",
            labels=["kind"],
        )
        counted = self.worker_errors.snapshot()
        for kind in ("poison", "job", "round"):
            failures.add_metric([kind], float(counted.get(kind, 0)))
        yield from (cases, items, jobs, retries, overdue, latency, failures)


@router.get(
    "/metrics", summary="Prometheus metrics", response_class=Response, dependencies=[Depends(metrics_access)]
)
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def metrics_registry(
    sessions: sessionmaker[Session], clock: Clock, worker_errors: WorkerErrors | None = None
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CaseStoreCollector(sessions, clock, worker_errors))
    return registry
