"""Status at scale (办件查询): ``GET /api/v1/applications/{id}`` and the applicant's own list, p50/p99,
with 10k, 100k and 1M cases in the database (bulk-generated, :mod:`lianban_bench.bulk`).

The API keeps running while the database grows (the cases are written beside it, as a busy
province's filings would be); at each size a sample of the generated applicants log in through the sandbox identity provider (before the timed window), and the load
generator asks for random cases of theirs (each with its owner's token) and for their lists.
The named figure ``p99_ratio_1m_over_10k`` is the larger of the two p99 ratios (detail, list)
between the largest and the smallest size.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx

from lianban_bench.bulk import BulkInfo, bulk_generate
from lianban_bench.graduate import sandbox_token
from lianban_bench.load import Call, run_loads
from lianban_bench.servers import ApiServer, BenchError

OWNERS = 100


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
    api: ApiServer,
    *,
    sizes: tuple[int, ...],
    requests: int,
    warmup: int,
    concurrency: int,
    owners: int = OWNERS,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    rng = random.Random(0)
    out: dict[str, Any] = {"sizes": {}}
    for size in sizes:
        progress(f"status: generating {size:,} cases")
        info = bulk_generate(api.database_url, size)
        progress(f"status: {size:,} cases, querying")
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

        _, got_detail, got_list = run_loads(
            api.url,
            [
                _detail(rng, cases, info, tokens, warmup) + _listing(rng, sampled, tokens, warmup),
                _detail(rng, cases, info, tokens, requests),
                _listing(rng, sampled, tokens, requests),
            ],
            concurrency,
            expect=(200,),
        )
        for name, got in (("detail", got_detail), ("list", got_list)):
            if got.errors:
                raise BenchError(f"status {name} at {size}: {got.errors} errors: {got.error_samples}")
        out["sizes"][str(size)] = {
            "cases_in_database": info.cases,
            "generation_seconds": round(info.seconds, 1),
            "detail": got_detail.figures(),
            "list": got_list.figures(),
        }
    small, large = out["sizes"][str(sizes[0])], out["sizes"][str(sizes[-1])]
    ratios = {k: large[k]["p99_ms"] / small[k]["p99_ms"] for k in ("detail", "list")}
    out["p99_ratio_detail"] = ratios["detail"]
    out["p99_ratio_list"] = ratios["list"]
    out["p99_ratio_1m_over_10k"] = max(ratios.values())
    out["smallest"], out["largest"] = sizes[0], sizes[-1]
    return out
