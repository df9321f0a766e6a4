"""The submit scenario (提交) beside its floor: ``POST /api/v1/applications`` for a Wuhan graduate
(eight sub-items) at a fixed concurrency, and the floor's bare insert of the same rows, on one
database kind. Both servers get the same warm-up, the same load generator, the same concurrency.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx

from lianban.db import make_engine
from lianban_bench.floor import filing_template
from lianban_bench.graduate import graduate_login, submit_calls
from lianban_bench.load import LoadResult, run_loads
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


def _checked(result: LoadResult, what: str) -> LoadResult:
    # an error is a figure too (it is reported), but a run that is mostly errors measures nothing
    if result.errors > result.requests // 10:
        raise BenchError(f"{what}: {result.errors} of {result.requests} failed: {result.error_samples}")
    return result


def run_submit(
    dbs: Databases,
    stage: Stage,
    api: ApiServer,
    *,
    requests: int,
    warmup: int,
    concurrency: int,
    sampler: RssSampler,
) -> dict[str, Any]:
    """Submit on the running ``api`` (no worker in it), the floor on a database of its own."""
    floor_url = dbs.create_migrated("floor")
    headers, body = graduate_login(api.url)
    first = httpx.post(
        f"{api.url}/api/v1/applications", json=body, headers=headers, timeout=60, trust_env=False
    )
    if first.status_code != 201:
        raise BenchError(f"the graduate's filing was refused: {first.status_code} {first.text[:1000]}")
    engine = make_engine(api.database_url)
    try:
        template = filing_template(engine, first.json()["case_id"])
    finally:
        engine.dispose()
    rows = {table: len(t["rows"]) for table, t in template.items()}
    template_file = stage.root / f"floor-template-{dbs.kind}.json"
    template_file.write_text(json.dumps(template, ensure_ascii=False, default=str), encoding="utf-8")

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
        _, floor_run = run_loads(
            floor_base,
            [submit_calls(headers, body, warmup), submit_calls(headers, body, requests)],
            concurrency,
        )
        floor_result = _checked(floor_run, "floor")
    finally:
        floor.stop()

    with sampler.watch({"api": api.pid}):  # the warm-up's peak counts too: it is the same load
        _, submit_run = run_loads(
            api.url, [submit_calls(headers, body, warmup), submit_calls(headers, body, requests)], concurrency
        )
    submit_result = _checked(submit_run, "submit")
    return {
        "rows_per_filing": rows,
        "floor": floor_result.figures(),
        "platform": submit_result.figures(),
        "ratio_to_floor": submit_result.throughput / floor_result.throughput,
        "p99_ratio_to_floor": submit_result.p99_ms / floor_result.p99_ms,
        "errors": submit_result.error_samples,
    }
