"""The submit and read scenarios (提交、查询) beside their floor, on one database kind.

``POST /api/v1/applications`` for a Wuhan graduate (eight sub-items), and ``GET
/api/v1/applications/{id}`` of the cases so filed, each against the floor's plain-code equivalent
(:mod:`lianban_bench.floor`: the same rows written, the same case read, with the driver and a kept
connection) on a database of its own. All load comes from wrk (:mod:`lianban_bench.wrk`) at the same
connections for the same seconds after the same warm-up; wrk's own ceiling on this machine is
measured first, against the floor's trivial endpoint, and reported beside them.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from lianban_bench.floor import filing_template
from lianban_bench.graduate import graduate_login, submit_calls
from lianban_bench.load import Call, LoadResult
from lianban_bench.memory import RssSampler
from lianban_bench.servers import (
    ApiServer,
    BenchError,
    Databases,
    ManagedProcess,
    Stage,
    free_port,
    wait_healthy,
)
from lianban_bench.wrk import ceiling, run_wrk

READ_CASES = 200  # the filed cases the read runs cycle through


def _checked(result: LoadResult, what: str) -> LoadResult:
    # an error is a figure too (it is reported), but a run that is mostly errors measures nothing
    if result.requests == 0:
        raise BenchError(f"{what}: no request was answered within the run")
    if result.errors > result.requests // 10:
        raise BenchError(f"{what}: {result.errors} of {result.requests} failed: {result.error_samples}")
    return result


def _case_ids(database_url: str, n: int) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(text(f"SELECT case_id FROM cases LIMIT {int(n)}"))]
    finally:
        engine.dispose()


def _reads(headers: dict[str, str], case_ids: list[str]) -> list[Call]:
    return [Call("GET", f"/api/v1/applications/{c}", headers) for c in case_ids]


def _timed(
    base: str, calls: list[Call], seconds: float, warmup: float, connections: int, unique: bool
) -> LoadResult:
    run_wrk(base, calls, seconds=warmup, connections=connections, unique_key=unique)
    return run_wrk(base, calls, seconds=seconds, connections=connections, unique_key=unique)


def _pair(platform: LoadResult, floor: LoadResult) -> dict[str, Any]:
    return {
        "floor": floor.figures(),
        "platform": platform.figures(),
        "ratio_to_floor": platform.throughput / floor.throughput,
        "p99_ratio_to_floor": platform.p99_ms / floor.p99_ms,
        "errors": platform.error_samples,
    }


def run_submit(
    dbs: Databases,
    stage: Stage,
    api: ApiServer,
    *,
    seconds: float,
    warmup: float,
    concurrency: int,
    sampler: RssSampler,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Submit and read on the running ``api`` (no worker in it), the floor on a database of its
    own; (the submit figures, the read figures)."""
    floor_url = dbs.create_migrated("floor")
    headers, body = graduate_login(api.url)
    first = httpx.post(
        f"{api.url}/api/v1/applications", json=body, headers=headers, timeout=60, trust_env=False
    )
    if first.status_code != 201:
        raise BenchError(f"the graduate's filing was refused: {first.status_code} {first.text[:1000]}")
    template = filing_template(api.database_url, first.json()["case_id"])
    rows = {table: len(t["rows"]) for table, t in template.items()}
    template_file = stage.root / f"floor-template-{dbs.kind}.json"
    template_file.write_text(json.dumps(template, ensure_ascii=False, default=str), encoding="utf-8")
    filings = submit_calls(headers, body, 1)

    port = free_port()
    floor = ManagedProcess(
        "floor",
        [
            sys.executable,
            "-m",
            "lianban_bench.floor",
            "--database-url",
            floor_url,
            "--template",
            str(template_file),
            "--port",
            str(port),
        ],
        stage,
    )
    try:
        floor_base = f"http://127.0.0.1:{port}"
        wait_healthy(floor_base, floor)
        top = ceiling(floor_base, seconds=seconds, connections=concurrency)
        floor_write = _checked(_timed(floor_base, filings, seconds, warmup, concurrency, True), "floor")
        reads = _reads(headers, _case_ids(floor_url, READ_CASES))
        floor_read = _checked(_timed(floor_base, reads, seconds, warmup, concurrency, False), "floor read")
    finally:
        floor.stop()

    with sampler.watch({"api": api.pid}):  # the warm-up's peak counts too: it is the same load
        write = _checked(_timed(api.url, filings, seconds, warmup, concurrency, True), "submit")
        reads = _reads(headers, _case_ids(api.database_url, READ_CASES))
        read = _checked(_timed(api.url, reads, seconds, warmup, concurrency, False), "read")
    generator = {"tool": "wrk", "ceiling": top.figures(), "seconds": seconds, "warmup_seconds": warmup}
    return (
        {"rows_per_filing": rows, "load": generator, **_pair(write, floor_write)},
        {"cases": len(reads), "load": generator, **_pair(read, floor_read)},
    )


def run_processes(
    stage: Stage, database_url: str, *, seconds: float, warmup: float, concurrency: int
) -> dict[str, Any]:
    """``lianban serve --workers N`` for N = 1 and 2 on the same PostgreSQL database, one after
    the other: filing throughput of each, side by side."""
    out: dict[str, Any] = {}
    for n in (1, 2):
        with ApiServer(stage, database_url, workers=n) as api:
            headers, body = graduate_login(api.url)
            filed = _checked(
                _timed(api.url, submit_calls(headers, body, 1), seconds, warmup, concurrency, True),
                f"submit with {n} processes",
            )
            out[str(n)] = filed.figures()
    out["speedup_2_over_1"] = out["2"]["throughput_rps"] / out["1"]["throughput_rps"]
    return out
