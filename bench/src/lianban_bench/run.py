"""One benchmark run (一次基准测试): every chosen scenario on SQLite and on PostgreSQL, in order,
with the sizes of a full or a quick run; returns the results document.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from lianban import __version__
from lianban_bench.batch import run_batch
from lianban_bench.dispatch import run_dispatch
from lianban_bench.fairness import run_fairness
from lianban_bench.machine import busy_between, cpu_times, machine
from lianban_bench.memory import RssSampler
from lianban_bench.results import document
from lianban_bench.servers import ApiServer, BenchError, Databases, Stage
from lianban_bench.status import run_status
from lianban_bench.submit import run_processes, run_submit

SCENARIOS = ("floor", "submit", "dispatch", "fairness", "status", "batch", "memory")
KINDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Sizes:
    concurrency: int = 32
    submit_seconds: float = 15.0  # each wrk run (ceiling, floor, platform; write and read)
    submit_warmup: float = 3.0
    dispatch_cases: int = 200
    dispatch_workers: tuple[int, ...] = (1, 2, 4)
    latency_ms: int = 50
    status_sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    status_sizes_sqlite: tuple[int, ...] = (10_000, 100_000, 1_000_000)  # SQLite's may stop earlier
    status_requests: int = 1000
    status_warmup: int = 100
    status_concurrency: int = 16
    status_owners: int = 100  # applicants who log in and ask, at each size
    status_base: int = 3000  # cases generated in full; the others are copies made in the database
    batch_rows: int = 1000
    fairness_rows: int = 1000  # the employer whose hires drain while a graduate files
    fairness_samples: int = 7  # the graduate's filings alone, and as many during the batch
    fairness_workers: int = 1  # PostgreSQL's worker processes (SQLite: the in-process worker)
    dispatch_floor_items: int = 2000


FULL = Sizes()
QUICK = Sizes(  # every figure, small: CI runs it so the benchmark never rots (about two minutes when quiet)
    submit_seconds=2.0,  # each wrk run: dozens of filings even on a busy machine (c=32)
    submit_warmup=1.0,
    dispatch_cases=3,
    dispatch_workers=(1, 4),
    status_sizes=(300, 600),  # the smallest and the largest: the ratio's two ends
    status_sizes_sqlite=(300, 600),
    status_owners=8,
    status_base=150,
    status_requests=30,
    status_warmup=4,
    batch_rows=50,
    fairness_rows=40,
    fairness_samples=3,
    dispatch_floor_items=100,
)


def resized(sizes: Sizes, changes: list[str]) -> Sizes:
    """``sizes`` with ``NAME=VALUE`` changes (a tuple's values separated by commas)."""
    fields = {f.name: f for f in dataclasses.fields(Sizes)}
    values: dict[str, Any] = {}
    for change in changes:
        name, _, value = change.partition("=")
        current = getattr(sizes, name.strip(), None) if name.strip() in fields else None
        if current is None or not value:
            raise BenchError(f"--size {change!r}: expected NAME=VALUE with NAME one of {', '.join(fields)}")
        try:
            if isinstance(current, tuple):
                values[name.strip()] = tuple(int(v) for v in value.split(","))
            else:
                values[name.strip()] = type(current)(value)
        except ValueError as exc:
            raise BenchError(f"--size {change!r}: {exc}") from exc
    return dataclasses.replace(sizes, **values)


def postgres_url() -> str:
    return os.environ.get("LIANBAN_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES


def check_postgres(admin_url: str) -> None:
    try:
        engine = create_engine(admin_url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        raise BenchError(f"PostgreSQL unreachable at {admin_url}: {exc}") from exc


def planned_steps(scenarios: tuple[str, ...], sizes: Sizes, quick: bool) -> int:
    per_kind = int("submit" in scenarios) + int("batch" in scenarios)
    return (
        per_kind * len(KINDS)
        + (len(sizes.status_sizes) + len(sizes.status_sizes_sqlite) if "status" in scenarios else 0)
        + int("dispatch" in scenarios) * (1 if quick else 2)
        + int("fairness" in scenarios) * (1 if quick else 2)
    )


def chosen(names: list[str] | None) -> tuple[str, ...]:
    """The scenarios to run: floor and submit run together; memory is measured during both."""
    picked = set(names or SCENARIOS)
    unknown = picked - set(SCENARIOS)
    if unknown:
        raise BenchError(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    if picked & {"floor", "submit", "memory"}:
        picked |= {"floor", "submit"}
    if "memory" in picked:
        picked.add("dispatch")
    return tuple(s for s in SCENARIOS if s in picked)


def _one_kind(
    dbs: Databases,
    stage: Stage,
    scenarios: tuple[str, ...],
    sizes: Sizes,
    quick: bool,
    raw: dict[str, Any],
    sampler: RssSampler,
    say: Callable[[str], None],
    advance: Callable[[], None],
) -> None:
    """The scenarios on one kind of database. Submit and batch share one API process on one
    database (the batch is filed beside the submitted cases); status and dispatch each have their
    own database, servers and workers."""
    kind = dbs.kind
    clock = raw.setdefault("wall_seconds", {})
    began = time.monotonic()

    def lap(name: str) -> None:
        nonlocal began
        clock[f"{name}.{kind}"] = round(time.monotonic() - began, 1)
        began = time.monotonic()

    if {"submit", "batch"} & set(scenarios):
        with ApiServer(stage, dbs.create_migrated("main")) as api:
            if "submit" in scenarios:
                say(f"submit, read and their floor on {kind}")
                submitted, read = run_submit(
                    dbs,
                    stage,
                    api,
                    seconds=sizes.submit_seconds,
                    warmup=sizes.submit_warmup,
                    concurrency=sizes.concurrency,
                    sampler=sampler,
                )
                raw.setdefault("submit", {"concurrency": sizes.concurrency})[kind] = submitted
                raw.setdefault("read", {"concurrency": sizes.concurrency})[kind] = read
                if kind == "postgresql":  # lianban serve --workers 1 and 2 (PostgreSQL only)
                    say("submit with 1 and 2 serving processes on postgresql")
                    raw["processes"] = run_processes(
                        stage,
                        dbs.create_migrated("processes"),
                        seconds=sizes.submit_seconds,
                        warmup=sizes.submit_warmup,
                        concurrency=sizes.concurrency,
                    )
                advance()
                lap("submit")
            if "batch" in scenarios:
                say(f"batch on {kind}")
                raw.setdefault("batch", {})[kind] = run_batch(api, rows=sizes.batch_rows)
                advance()
                lap("batch")
    if "status" in scenarios:  # a database of its own, grown with no server on it

        def step(message: str) -> None:
            say(f"{message} on {kind}")
            if message.endswith("querying"):
                advance()

        raw.setdefault("status", {})[kind] = run_status(
            dbs,
            stage,
            sizes=sizes.status_sizes_sqlite if kind == "sqlite" else sizes.status_sizes,
            requests=sizes.status_requests,
            warmup=sizes.status_warmup,
            concurrency=sizes.status_concurrency,
            owners=sizes.status_owners,
            base=sizes.status_base,
            progress=step,
        )
        lap("status")
    if "dispatch" in scenarios and (kind == "postgresql" or not quick):
        say(f"dispatch on {kind}")
        raw.setdefault("dispatch", {})[kind] = run_dispatch(
            dbs,
            stage,
            cases=sizes.dispatch_cases,
            worker_counts=sizes.dispatch_workers if kind == "postgresql" else (1,),
            latency_ms=sizes.latency_ms,
            concurrency=sizes.concurrency,
            sampler=sampler,
            floor_items=sizes.dispatch_floor_items,
        )
        advance()
        lap("dispatch")
    elif "dispatch" in scenarios:
        raw.setdefault("dispatch", {})[kind] = {"skipped": "quick mode: PostgreSQL's workers only"}
    if "fairness" in scenarios and (kind == "postgresql" or not quick):
        say(f"fairness on {kind}")
        raw.setdefault("fairness", {})[kind] = run_fairness(
            dbs,
            stage,
            rows=sizes.fairness_rows,
            samples=sizes.fairness_samples,
            workers=sizes.fairness_workers,
            latency_ms=sizes.latency_ms,
        )
        advance()
        lap("fairness")


def run_bench(
    *,
    admin_url: str,
    scenarios: tuple[str, ...],
    sizes: Sizes,
    quick: bool,
    command: str,
    say: Callable[[str], None] = lambda _: None,
    advance: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    check_postgres(admin_url)
    head: dict[str, Any] = {
        "tool": "lianban bench",
        "version": __version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "quick": quick,
        "scenarios": list(scenarios),
        "sizes": {k: list(v) if isinstance(v, tuple) else v for k, v in sizes.__dict__.items()},
        "machine": machine(admin_url),
    }
    raw: dict[str, Any] = {}
    sampler = RssSampler()
    run_began = cpu_times()
    with tempfile.TemporaryDirectory(prefix="lianban-bench-") as tmp:
        stage = Stage(Path(tmp))
        # bulk generation runs in this process: it sees the same settings as the servers
        os.environ.update({k: v for k, v in stage.env.items() if k.startswith("LIANBAN_")})
        for kind in KINDS:
            dbs = Databases(kind, stage, admin_url)
            try:
                _one_kind(dbs, stage, scenarios, sizes, quick, raw, sampler, say, advance)
            except Exception as exc:  # what was measured before it is kept, with the failure
                failure = exc if isinstance(exc, BenchError) else BenchError(f"{type(exc).__name__}: {exc}")
                failure.partial = document({**raw, "failed": {"database": kind, "error": str(exc)}}, head)
                if failure is exc:
                    raise
                raise failure from exc
            finally:
                dbs.drop_all()
    head["machine"] = {
        **head["machine"],
        "cpu_busy_during_run": busy_between(run_began, cpu_times()),  # every core, all the run: 1.0
        "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    if "batch" in raw:
        runs = [raw["batch"][k] for k in KINDS if k in raw["batch"]]
        # the slower database is the figure (a deployment may run either)
        raw["batch"]["seconds_1000"] = max(r["seconds"] for r in runs)
        raw["batch"]["rows"] = sizes.batch_rows
    if "memory" in scenarios:
        raw["memory"] = {
            "api_rss_mb": sampler.peaks.get("api"),
            "worker_rss_mb": sampler.peaks.get("worker"),
            "samples": sampler.samples,
            "measured_during": ["submit", "dispatch"],
        }
    return document(raw, head)
