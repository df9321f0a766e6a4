"""The load generator (压测客户端): an async httpx client in its own process at a fixed concurrency.

Requests are built before the timed window (bodies, tokens, Idempotency-Keys), handed to a
spawned process, and sent by ``concurrency`` coroutines over as many keep-alive connections.
Each request's latency is recorded; the answer is throughput, p50, p99 and the error count.
A separate process so the client's own CPU is never the server's (the machine still shares its
cores, for the floor as much as for the platform).
"""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import httpx


@dataclass(frozen=True)
class Call:
    """One prepared request."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    throughput: float  # successful requests per second
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    concurrency: int
    error_samples: list[str] = field(default_factory=list)
    collected: list[str] = field(default_factory=list)  # the ``collect`` field of each good answer

    def figures(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(self.throughput, 2),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "mean_ms": round(self.mean_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "concurrency": self.concurrency,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (``q`` in 0–100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100.0 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _drive(
    base_url: str, calls: Sequence[Call], concurrency: int, expect: tuple[int, ...], collect: str | None
) -> LoadResult:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120.0, trust_env=False) as client:
        prepared = [client.build_request(c.method, c.path, headers=c.headers, content=c.body) for c in calls]
        latencies: list[float] = []
        errors: list[str] = []
        collected: list[str] = []
        position = 0

        async def one_connection() -> None:
            nonlocal position
            while position < len(prepared):
                request = prepared[position]
                position += 1
                started = time.perf_counter()
                try:
                    response = await client.send(request)
                    body = await response.aread()
                except httpx.HTTPError as exc:
                    latencies.append((time.perf_counter() - started) * 1000.0)
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append((time.perf_counter() - started) * 1000.0)
                if response.status_code not in expect:
                    errors.append(f"{response.status_code}: {body[:300].decode('utf-8', 'replace')}")
                elif collect is not None:
                    collected.append(str(json.loads(body)[collect]))

        began = time.perf_counter()
        await asyncio.gather(*(one_connection() for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    good = len(latencies) - len(errors)
    return LoadResult(
        requests=len(latencies),
        errors=len(errors),
        seconds=seconds,
        throughput=good / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        mean_ms=sum(latencies) / len(latencies) if latencies else 0.0,
        max_ms=max(latencies, default=0.0),
        concurrency=concurrency,
        error_samples=errors[:5],
        collected=collected,
    )


def run_load(
    base_url: str,
    calls: Sequence[Call],
    concurrency: int,
    *,
    expect: tuple[int, ...] = (200, 201),
    collect: str | None = None,
) -> LoadResult:
    """Send ``calls`` from a child process (``python -m lianban_bench.load``); blocks until all are answered."""
    return run_loads(base_url, [calls], concurrency, expect=expect, collect=collect)[0]


def run_loads(
    base_url: str,
    runs: Sequence[Sequence[Call]],
    concurrency: int,
    *,
    expect: tuple[int, ...] = (200, 201),
    collect: str | None = None,
) -> list[LoadResult]:
    """Several runs one after the other from one child process (a warm-up, then the timed ones),
    each with its own client and its own figures: the process starts once.

    A plain subprocess rather than multiprocessing: it does not re-import whatever ``__main__``
    started the bench (the ``lianban`` CLI, pytest).
    """
    job = pickle.dumps((base_url, [list(calls) for calls in runs], concurrency, expect, collect))
    done = subprocess.run(
        [sys.executable, "-m", "lianban_bench.load"], input=job, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.decode('utf-8', 'replace')[-3000:]}")
    return [LoadResult(**figures) for figures in json.loads(done.stdout)]


async def _drive_all(
    base_url: str, runs: list[list[Call]], concurrency: int, expect: tuple[int, ...], collect: str | None
) -> list[LoadResult]:
    return [await _drive(base_url, calls, concurrency, expect, collect) for calls in runs]


def main() -> None:
    base_url, runs, concurrency, expect, collect = pickle.loads(sys.stdin.buffer.read())
    results = asyncio.run(_drive_all(base_url, runs, concurrency, expect, collect))
    sys.stdout.write(json.dumps([asdict(r) for r in results]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
