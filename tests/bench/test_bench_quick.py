"""`lianban bench --quick` runs as CI runs it — a real subprocess against a real PostgreSQL server
and SQLite — so the benchmark never rots: every named ratio is there and a positive finite
number, the machine is recorded, and the Markdown table names each scenario."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lianban_bench.results import NAMED

pytestmark = pytest.mark.bench  # CI runs it; locally: pytest -m "not bench"

SCENARIOS = ("floor", "submit", "dispatch", "fairness", "status", "batch", "memory")


def test_the_quick_benchmark_writes_every_named_figure(postgres_server: str, tmp_path: Path) -> None:
    out = tmp_path / "bench" / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANBAN_")}
    done = subprocess.run(
        [sys.executable, "-m", "lianban.cli", "bench", "--quick", "--out", str(out)],
        env={**env, "LIANBAN_BENCH_POSTGRES_URL": postgres_server},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    doc = json.loads(out.read_text(encoding="utf-8"))

    for name in NAMED:
        node = doc
        for part in name.split("."):
            assert part in node, f"{name}: {part} missing"
            node = node[part]
        assert isinstance(node, int | float) and math.isfinite(node) and node > 0, (name, node)
        assert doc["targets"][name]["value"] == round(float(node), 4)
        assert isinstance(doc["targets"][name]["met"], bool)

    machine = doc["machine"]
    assert machine["cores"] >= 1 and machine["memory_mb"] > 0
    assert 0 < machine["cpu_busy_during_run"] <= 1 and "load average" in machine["uptime_at_start"]
    assert machine["python"] and machine["sqlite"] and machine["postgresql"]
    assert doc["quick"] is True and doc["command"].startswith("lianban bench --quick")
    # the floor and the platform saw the same load from wrk, whose own ceiling is reported, and
    # nothing failed under it
    for kind in ("sqlite", "postgresql"):
        for scenario in ("submit", "read"):
            measured = doc[scenario][kind]
            assert measured["load"]["tool"] == "wrk"
            assert measured["load"]["ceiling"]["throughput_rps"] > measured["floor"]["throughput_rps"]
            assert measured["floor"]["concurrency"] == measured["platform"]["concurrency"]
            assert measured["floor"]["requests"] > 0 and measured["platform"]["requests"] > 0
            assert measured["platform"]["errors"] == 0
    rounds = doc["dispatch"]["postgresql"]["workers"]
    assert set(rounds) == {"1", "4"}  # quick: the ends of 1, 2, 4
    for figures in rounds.values():  # how busy the machine's cores were during each round
        assert 0 < figures["machine_cpu_busy"] <= 1
    if machine["cores"] < 4:  # 4 workers ÷ 1 cannot be shown here: the figure says what limits it
        assert "limited by CPU" in doc["targets"]["dispatch.postgresql.speedup_4_over_1"]["note"]
    # fairness: the graduate's filings alone and during the employer's batch, each timed
    fair = doc["fairness"]["postgresql"]
    assert len(fair["alone"]["samples_seconds"]) == len(fair["during_batch"]["samples_seconds"]) == 3
    # status: the database grew past its fully generated cases by copies, read through the API
    for kind in ("sqlite", "postgresql"):
        status = doc["status"][kind]
        assert status["generated_in_full"] < status["largest"]
        assert status["sizes"][str(status["largest"])]["cases_in_database"] == status["largest"]
        for size in status["sizes"].values():  # each size warmed the same way: every sampled case and list
            assert size["warmup"]["cases"] > 0 and size["warmup"]["lists"] > 0

    table = out.with_suffix(".md").read_text(encoding="utf-8")
    for scenario in SCENARIOS:
        assert f"| {scenario} |" in table, scenario
    for name in NAMED:
        assert f"`{name}`" in table
