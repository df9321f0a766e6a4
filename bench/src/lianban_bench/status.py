"""Status at scale (办件查询): ``GET /api/v1/applications/{id}`` and the applicant's own list, p50/p99,
with 10k, 100k and 1M cases in the database (bulk-generated, :mod:`lianban_bench.bulk`).

The scenario has a database of its own, of which the first
``BASE_CASES`` cases are generated in full, the rest are copies of those made inside the database
(:mod:`lianban_bench.bulk_clone`; on SQLite written without a journal, on PostgreSQL into
UNLOGGED case tables — read as any other). ``lianban serve`` runs on it while it is measured
and is stopped while it grows by ``QUIET_GROWTH`` cases or more (no other connection on the
SQLite file, no server competing for the cores). At each size a sample of the generated
applicants log in through the sandbox identity provider (before the timed window), and the load
generator asks for random cases of theirs (each with its owner's token) and for their lists.
The named figure ``p99_ratio_1m_over_10k`` is the larger of the two p99 ratios (detail, list)
between the largest and the smallest size.

Every size is measured the same way, so that the ratio compares the queries at two sizes and not
the machine's state after each growth: the growth's writes are settled first (:func:`_settle`:
written back to the disk — a million cases are gigabytes the kernel would otherwise write back
during the timed window — and, on PostgreSQL, checkpointed), and the warm-up asks for every
sampled case and every sampled applicant's list once (then ``warmup`` random requests), so no
timed request is the first read of its case's pages — at 10k cases they are all in memory from
the growth, at 1M they were not — nor the first of a freshly started server.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import text

from lianban.db import make_engine
from lianban_bench.bulk import BulkInfo, bulk_generate
from lianban_bench.bulk_clone import unlogged
from lianban_bench.graduate import sandbox_token
from lianban_bench.load import Call, run_loads
from lianban_bench.servers import ApiServer, BenchError, Databases, Stage

OWNERS = 100
BASE_CASES = 3000  # generated in full; the cases after them are copies (a multiple of 3 per owner)
QUIET_GROWTH = 50_000  # cases added with the server stopped (a small growth: it keeps running)


def _id_number(owner: str) -> str:
    return owner.split(":", 1)[1] if ":" in owner else owner


def _detail(
    rng: random.Random, cases: list[str], info: BulkInfo, tokens: dict[str, dict[str, str]], n: int
) -> list[Call]:
    """``n`` requests for random cases, each with its owner's token."""
    return [
        Call("GET", f"/api/v1/applications/{c}", tokens[info.owner_of[c]])
        for c in (rng.choice(cases) for _ in range(n))
    ]


def _listing(rng: random.Random, owners: list[str], tokens: dict[str, dict[str, str]], n: int) -> list[Call]:
    """``n`` requests for random applicants' own lists."""
    return [Call("GET", "/api/v1/applications", tokens[o]) for o in (rng.choice(owners) for _ in range(n))]


def run_status(
    dbs: Databases,
    stage: Stage,
    *,
    sizes: tuple[int, ...],
    requests: int,
    warmup: int,
    concurrency: int,
    owners: int = OWNERS,
    base: int = BASE_CASES,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    rng = random.Random(0)
    url = dbs.create_migrated("status")
    engine = make_engine(url)
    try:
        out: dict[str, Any] = {
            "sizes": {},
            "generated_in_full": base,
            "unlogged_tables": unlogged(engine),
            "note": f"the first {base:,} cases generated in full, the others copies of them made in "
            "the database (own case id, owner and key; the base case's rows and ciphertexts)"
            + (
                f"; growths of {QUIET_GROWTH:,} cases or more written without a journal, no server running"
                if dbs.kind == "sqlite"
                else "; UNLOGGED case tables"
            ),
        }
    finally:
        engine.dispose()
    api: ApiServer | None = None
    grown = 0
    try:
        for size in sizes:
            if api is not None and size - grown >= QUIET_GROWTH:  # a large growth: no server on the file
                api.stop()
                api = None
            progress(f"status: generating {size:,} cases")
            info = bulk_generate(url, size, base=base)
            grown = size
            _settle(url)
            progress(f"status: {size:,} cases, querying")
            if api is None:
                api = ApiServer(stage, url).start()
            out["sizes"][str(size)] = _measure(api, info, rng, requests, warmup, concurrency, owners)
    finally:
        if api is not None:
            api.stop()
        dbs.drop(url)
    small, large = out["sizes"][str(sizes[0])], out["sizes"][str(sizes[-1])]
    ratios = {k: large[k]["p99_ms"] / small[k]["p99_ms"] for k in ("detail", "list")}
    out["p99_ratio_detail"] = ratios["detail"]
    out["p99_ratio_list"] = ratios["list"]
    out["p99_ratio_1m_over_10k"] = max(ratios.values())
    out["smallest"], out["largest"] = sizes[0], sizes[-1]
    if (sizes[0], sizes[-1]) != (10_000, 1_000_000):  # the figure's name says 1M ÷ 10k: say what it is
        out["p99_ratio_1m_over_10k_note"] = f"measured at {sizes[-1]:,} ÷ {sizes[0]:,} cases, not 1M ÷ 10k"
    return out


def _settle(url: str) -> None:
    """The growth's writes on the disk before the measurement: PostgreSQL's checkpoint (its dirty
    buffers written now, not by the checkpointer during the timed window), then the kernel's
    write-back of every file (SQLite's growths go without a journal and unsynced)."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT") if url.startswith("postgresql") else None
    try:
        if engine is not None:
            with engine.connect() as conn:
                conn.execute(text("CHECKPOINT"))
    finally:
        if engine is not None:
            engine.dispose()
    os.sync()


def _measure(
    api: ApiServer,
    info: BulkInfo,
    rng: random.Random,
    requests: int,
    warmup: int,
    concurrency: int,
    owners: int,
) -> dict[str, Any]:
    """One size's figures: detail and list, p50/p99, each request with its owner's token."""
    people = sorted(set(info.owner_of.values()))
    sampled = rng.sample(people, min(owners, len(people)))
    with httpx.Client(trust_env=False) as client:
        tokens = {
            o: {"Authorization": f"Bearer {sandbox_token(api.url, client, id_number=_id_number(o))}"}
            for o in sampled
        }
    cases = [c for c in info.case_ids if info.owner_of.get(c) in tokens]
    if not cases:
        raise BenchError("bulk generation returned no case of the sampled owners")

    # the warm-up: every case and list the timed requests draw from once, then random ones
    every = [Call("GET", f"/api/v1/applications/{c}", tokens[info.owner_of[c]]) for c in cases]
    every += [Call("GET", "/api/v1/applications", tokens[o]) for o in sampled]
    _, got_detail, got_list = run_loads(
        api.url,
        [
            every + _detail(rng, cases, info, tokens, warmup) + _listing(rng, sampled, tokens, warmup),
            _detail(rng, cases, info, tokens, requests),
            _listing(rng, sampled, tokens, requests),
        ],
        concurrency,
        expect=(200,),
    )
    for name, got in (("detail", got_detail), ("list", got_list)):
        if got.errors:
            raise BenchError(f"status {name} at {info.cases}: {got.errors} errors: {got.error_samples}")
    return {
        "cases_in_database": info.cases,
        "generation_seconds": round(info.seconds, 1),
        "warmup": {"cases": len(cases), "lists": len(sampled), "random": 2 * warmup},
        "detail": got_detail.figures(),
        "list": got_list.figures(),
    }
