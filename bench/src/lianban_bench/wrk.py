"""The HTTP load generator of the throughput figures (压测): ``wrk`` (Debian's, C, epoll) driven by a
Lua script this module writes — the requests cycled in order, a fresh ``Idempotency-Key`` per request
where asked, the figures printed as JSON by the script's ``done``.

wrk is not the limit: :func:`ceiling` measures it against a trivial endpoint of the same server
stack in the same run, and that figure is reported beside the others. The Python generator
(:mod:`lianban_bench.load`) stays for the runs that need each answer (filing the dispatch cases).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx

from lianban_bench.load import Call, LoadResult

WRK = "wrk"
THREADS = 2


class WrkMissing(RuntimeError):
    """wrk is not installed (Debian: ``apt-get install wrk``)."""


def _lua_string(value: str) -> str:
    level = "=" * 4
    while f"]{level}]" in value:
        level += "="
    return f"[{level}[{value}]{level}]"


def script(calls: Sequence[Call], unique_key: bool) -> str:
    """The Lua script: ``calls`` in turn; with ``unique_key`` each request its own Idempotency-Key."""
    run = uuid.uuid4().hex[:12]
    entries = []
    for c in calls:
        headers = ", ".join(
            f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in c.headers.items() if k != "Idempotency-Key"
        )
        body = _lua_string(c.body.decode("utf-8")) if c.body is not None else "nil"
        entries.append(
            f"{{method = {_lua_string(c.method)}, path = {_lua_string(c.path)}, "
            f"headers = {{{headers}}}, body = {body}}}"
        )
    return f"""
local calls = {{{", ".join(entries)}}}
local unique = {"true" if unique_key else "false"}
local formatted = {{}}
local n = 0
local made = 0

function setup(thread)
  made = made + 1
  thread:set("tid", made)
end

function init(args)
  for i, c in ipairs(calls) do
    formatted[i] = wrk.format(c.method, c.path, c.headers, c.body)
  end
end

function request()
  n = n + 1
  local i = (n - 1) % #calls + 1
  if not unique then
    return formatted[i]
  end
  local c = calls[i]
  c.headers["Idempotency-Key"] = "{run}-" .. tostring(tid) .. "-" .. tostring(n)
  return wrk.format(c.method, c.path, c.headers, c.body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write("WRKJSON" .. string.format(
    '{{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50_us": %d, "p99_us": %d, "mean_us": %f, "max_us": %d}}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max) .. "\\n")
end
"""


def run_wrk(
    base_url: str,
    calls: Sequence[Call],
    *,
    seconds: float,
    connections: int,
    threads: int = THREADS,
    unique_key: bool = False,
) -> LoadResult:
    """``connections`` keep-alive connections sending ``calls`` in turn for ``seconds``."""
    if shutil.which(WRK) is None:
        raise WrkMissing("wrk is not installed (Debian: apt-get install wrk)")
    if not calls:
        raise ValueError("no calls")
    with tempfile.TemporaryDirectory(prefix="lianban-wrk-") as tmp:
        lua = Path(tmp) / "load.lua"
        lua.write_text(script(calls, unique_key), encoding="utf-8")
        done = subprocess.run(
            [
                WRK,
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "60s",
                "-s",
                str(lua),
                base_url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}")
    f = json.loads(line.removeprefix("WRKJSON"))
    errors = f["connect"] + f["read"] + f["write"] + f["status"] + f["timeout"]
    duration = f["duration_us"] / 1e6
    samples: list[str] = []
    if errors:  # wrk counts them; one request by hand says what they are
        samples.append(_sample(base_url, calls[0]))
    return LoadResult(
        requests=f["requests"],
        errors=errors,
        seconds=duration,
        throughput=(f["requests"] - errors) / duration if duration > 0 else 0.0,
        p50_ms=f["p50_us"] / 1000.0,
        p99_ms=f["p99_us"] / 1000.0,
        mean_ms=f["mean_us"] / 1000.0,
        max_ms=f["max_us"] / 1000.0,
        concurrency=connections,
        error_samples=samples,
    )


def _sample(base_url: str, call: Call) -> str:
    headers = {**call.headers, "Idempotency-Key": uuid.uuid4().hex}
    try:
        answer = httpx.request(
            call.method, base_url + call.path, headers=headers, content=call.body, timeout=60, trust_env=False
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return f"{answer.status_code}: {answer.text[:300]}"


def ceiling(base_url: str, *, seconds: float, connections: int) -> LoadResult:
    """wrk against the floor's trivial endpoint (``GET /trivial``: no database, a constant answer):
    what this generator and this server stack reach at all on this machine, now."""
    return run_wrk(base_url, [Call("GET", "/trivial", {})], seconds=seconds, connections=connections)
