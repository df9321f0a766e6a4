"""The dispatch scenario (推送): time until N submitted cases have every sub-item approved.

The cases are filed first with no worker running and their first jobs parked; then a round's
worker processes start and are awaited (process start-up is not dispatch), the jobs are made due
and the clock runs until every item of those cases is ``approved``; the workers stop after their
round (nothing is paused: a process stopped inside a transaction would hold its row locks). The eight department simulators run as their
own processes and decide after a fixed latency (``--latency-ms``); their callbacks reach the API.
Hubei's 社保费申报 is a ``redirect`` item: the applicant finishes it on the (sandbox) e-tax site,
so the bench plays the applicants — as soon as such an item is dispatched, one of sixteen
"applicants" follows its link to the e-tax site and back to the platform, as the graduate
end-to-end test does; 档案 is a ``query`` item the worker answers from the archive service.

PostgreSQL: 1, 2 and 4 ``lianban worker`` processes (``FOR UPDATE SKIP LOCKED``), a fresh batch
of cases for each. SQLite: the one in-process worker of ``lianban serve``.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine, select, update

from lianban.bootstrap import keyed_engine
from lianban.cases.schema import CaseItem, OutboxJob
from lianban.config import load_settings
from lianban_bench.dispatch_floor import run_floor
from lianban_bench.graduate import graduate_login, submit_calls
from lianban_bench.load import run_load
from lianban_bench.machine import busy_between, cpu_times, process_cpu
from lianban_bench.memory import RssSampler
from lianban_bench.servers import (
    ApiServer,
    BenchError,
    Databases,
    ManagedProcess,
    Simulators,
    Stage,
    Workers,
    free_port,
)

GIVEN_UP = {"rejected", "failed", "correction_required"}
# whose CPU the items per CPU-second are of (user + system, every thread, from /proc)
CPU_COUNTED = (
    "every process of the platform that works for dispatch: the API process (the departments' "
    "signed callbacks, the applicants' returns from the e-tax site and the sandbox e-tax page it "
    "serves; on SQLite also its in-process worker) and every `lianban worker` process of the round; "
    "not the department simulators nor the bench's own processes (filing, polling, the applicants)"
)
APPLICANTS = 16


def _file(api: ApiServer, n: int, concurrency: int) -> list[str]:
    headers, body = graduate_login(api.url)
    filed = run_load(api.url, submit_calls(headers, body, n), concurrency, expect=(201,), collect="case_id")
    if filed.errors:
        raise BenchError(f"filing the dispatch cases failed: {filed.error_samples}")
    return filed.collected


def hold(engine: Engine, case_ids: list[str]) -> None:
    """Park the cases' first dispatch jobs while workers start, so start-up is not timed."""
    with engine.begin() as conn:
        conn.execute(
            update(OutboxJob)
            .where(
                OutboxJob.case_id.in_(case_ids), OutboxJob.kind == "dispatch", OutboxJob.status == "pending"
            )
            .values(due_at=datetime(2999, 1, 1, tzinfo=UTC))
        )


def release(engine: Engine, case_ids: list[str]) -> None:
    """Make the parked jobs due now: the clock starts."""
    with engine.begin() as conn:
        conn.execute(
            update(OutboxJob)
            .where(
                OutboxJob.case_id.in_(case_ids), OutboxJob.kind == "dispatch", OutboxJob.status == "pending"
            )
            .values(due_at=datetime.now(UTC))
        )


def _return_from_etax(client: httpx.Client, url: str) -> None:
    answer = client.get(url, follow_redirects=True)
    if answer.status_code != 200:
        raise BenchError(f"the e-tax return failed: {answer.status_code} {answer.text[:500]}")


def wait_all_approved(engine: Engine, case_ids: list[str], seconds: float) -> tuple[float, int]:
    """Release the cases' jobs, then the seconds until every item of ``case_ids`` is approved
    (returning from e-tax as their applicants) and how many items there were."""
    began = time.monotonic()
    release(engine, case_ids)
    followed: dict[tuple[str, str], Future[None]] = {}
    query = select(CaseItem.case_id, CaseItem.item_id, CaseItem.status, CaseItem.result).where(
        CaseItem.case_id.in_(case_ids)
    )
    with (
        httpx.Client(timeout=60, trust_env=False) as client,
        ThreadPoolExecutor(APPLICANTS, thread_name_prefix="applicant") as applicants,
    ):
        while True:
            with engine.connect() as conn:
                rows = list(conn.execute(query))
            open_items = 0
            for case_id, item_id, status, result in rows:
                if status == "approved":
                    continue
                if status in GIVEN_UP:
                    raise BenchError(f"{case_id} {item_id} ended {status}")
                open_items += 1
                link = (result or {}).get("redirect_url") if isinstance(result, dict) else None
                if status == "dispatched" and link and (case_id, item_id) not in followed:
                    followed[(case_id, item_id)] = applicants.submit(_return_from_etax, client, link)
            for done in followed.values():
                if done.done() and done.exception() is not None:
                    raise BenchError(str(done.exception()))
            if rows and open_items == 0:
                return time.monotonic() - began, len(rows)
            if time.monotonic() - began > seconds:
                raise BenchError(f"{open_items} item(s) still open after {seconds} s")
            time.sleep(0.05)


def _figures(
    cases: int, items: int, seconds: float, busy: float | None, cpu: float
) -> dict[str, float | int | None]:
    return {
        "cpu_seconds": round(cpu, 3),  # the platform's: its API and worker processes
        "items_per_cpu_second": round(items / cpu, 2) if cpu > 0 else None,
        "cases": cases,
        "items": items,
        "seconds": round(seconds, 3),
        "cases_per_second": round(cases / seconds, 3),
        "items_per_second": round(items / seconds, 3),
        "machine_cpu_busy": busy,  # 1.0: every core busy the whole round (more workers cannot help)
    }


def limit_note(workers: int, busy: float | None, cores: int | None = None) -> str | None:
    """What limits ``workers`` workers ÷ 1 on this machine, when its cores do (None: they did not)."""
    cores = cores or os.cpu_count() or 1
    saturated = busy is not None and busy >= 0.9
    if cores >= workers and not saturated:
        return None
    said = f"{busy:.0%} busy" if busy is not None else "busy unknown"
    return (
        f"limited by CPU: the machine has {cores} cores, {said} during the {workers}-worker round — the "
        f"{workers} workers, the API, the eight simulated departments, the applicants' e-tax returns and "
        f"PostgreSQL share them, so more workers cannot send more; the target needs ≥ {workers} cores "
        "left idle for the workers"
    )


def run_dispatch(
    dbs: Databases,
    stage: Stage,
    *,
    cases: int,
    worker_counts: tuple[int, ...],
    latency_ms: int,
    concurrency: int,
    sampler: RssSampler,
    timeout: float = 900.0,
    floor_items: int = 500,
) -> dict[str, Any]:
    url = dbs.create_migrated("dispatch")
    # the bench reads what the items' results say (the e-tax link): with the deployment's keys at
    # rest, as the platform's processes read them (the stage's environment names the data directory)
    engine = keyed_engine(load_settings(database_url=url))
    out: dict[str, Any] = {
        "cases": cases,
        "latency_ms": latency_ms,
        "applicant_returns": "etax",
        "cpu_counted": CPU_COUNTED,
    }
    try:
        with Simulators(stage, latency_ms) as sims:
            if dbs.kind == "postgresql":
                out["workers"] = {}
                with ApiServer(stage, url, deployment=sims.deployment) as api:
                    for n in worker_counts:  # a round's workers start (and are awaited) after the filing
                        ids = _file(api, cases, concurrency)
                        hold(engine, ids)
                        workers = Workers(api).start(n)
                        try:
                            workers.wait_ready()
                            before, used = cpu_times(), process_cpu([api.pid, *workers.pids])
                            with sampler.watch({"api": api.pid, "worker": workers.pids[0]}):
                                seconds, items = wait_all_approved(engine, ids, timeout)
                            busy = busy_between(before, cpu_times())
                            used = process_cpu([api.pid, *workers.pids]) - used
                        finally:
                            workers.stop()
                        out["workers"][str(n)] = _figures(len(ids), items, seconds, busy, used)
                first, last = str(worker_counts[0]), str(worker_counts[-1])
                out[f"speedup_{last}_over_{first}"] = (
                    out["workers"][last]["items_per_second"] / out["workers"][first]["items_per_second"]
                )
                note = limit_note(int(last), out["workers"][last].get("machine_cpu_busy"))
                if note:
                    out[f"speedup_{last}_over_{first}_note"] = note
            else:
                with ApiServer(stage, url, deployment=sims.deployment) as api:
                    ids = _file(api, cases, concurrency)
                    hold(engine, ids)
                with (
                    ApiServer(stage, url, deployment=sims.deployment, in_process_worker=True) as api,
                    sampler.watch({"api": api.pid}),
                ):
                    before, used = cpu_times(), process_cpu([api.pid])
                    seconds, items = wait_all_approved(engine, ids, timeout)
                    busy = busy_between(before, cpu_times())
                    used = process_cpu([api.pid]) - used
                out["in_process_worker"] = _figures(len(ids), items, seconds, busy, used)
        out["floor"] = _floor(stage, url, items=floor_items)
        platform = out.get("workers", {}).get("1") or out.get("in_process_worker") or {}
        if platform.get("items_per_cpu_second") and out["floor"].get("items_per_cpu_second"):
            out["cpu_ratio_to_floor"] = (
                platform["items_per_cpu_second"] / out["floor"]["items_per_cpu_second"]
            )
    finally:
        engine.dispose()
    return out


def _floor(stage: Stage, url: str, *, items: int) -> dict[str, Any]:
    """The dispatch floor on the same database (:mod:`lianban_bench.dispatch_floor`)."""
    port = free_port()
    target = ManagedProcess(
        "dispatch-floor", [sys.executable, "-m", "lianban_bench.dispatch_floor", str(port)], stage
    )
    try:
        deadline = time.monotonic() + 60
        while "ready" not in target.output():
            if not target.alive() or time.monotonic() > deadline:
                raise BenchError(f"the dispatch floor's server did not start: {target.output()[-1000:]}")
            time.sleep(0.05)
        return run_floor(url, port, items)
    finally:
        target.stop()
