"""Nothing lost, nothing duplicated: worker processes killed with SIGKILL mid-dispatch, a department
down and back, two workers at once, a dropped database connection — on PostgreSQL, real processes,
real HTTP. Each test counts what reached the departments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dispatch_helpers import Platform, wait_until_finished
from ruamel.yaml import YAML
from sqlalchemy import create_engine, text

from lianban.dispatch.worker import Dispatcher
from lianban_sandbox.simulators import SimulatorFleet

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # worker processes killed and restarted

CASES = 8
ITEMS_PER_CASE = 6  # 河北灵活就业: six sub-items each


def start_worker(platform: Platform, fleet: SimulatorFleet, tmp_path: Path) -> subprocess.Popen[bytes]:
    deployment = tmp_path / "deployment.yaml"
    if not deployment.exists():
        YAML().dump(
            {"departments": {d: {"base_url": u, "timeout_seconds": 2} for d, u in fleet.urls().items()}},
            deployment,
        )
    env = {
        **os.environ,
        "LIANBAN_MODE": "sandbox",
        "LIANBAN_DATA_DIR": str(platform.data_dir),
        "LIANBAN_DEPLOYMENT_FILE": str(deployment),
        "LIANBAN_PUBLIC_URL": platform.url,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lianban.cli",
            "worker",
            "--database-url",
            platform.database_url,
            "--interval",
            "0.05",
            "--lease-seconds",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def records(fleet: SimulatorFleet) -> int:
    return sum(int(fleet.stats(d)["records"]) for d in fleet.urls())


def file_cases(platform: Platform, n: int) -> tuple[list[str], dict[str, str]]:
    headers = platform.hebei_worker_headers()
    return [platform.file_hebei_case(headers) for _ in range(n)], headers


def test_killing_workers_mid_dispatch_loses_and_duplicates_nothing(
    pg_world: tuple[Platform, SimulatorFleet, Dispatcher], tmp_path: Path
) -> None:
    platform, fleet, _ = pg_world
    case_ids, headers = file_cases(platform, CASES)
    rng = random.Random(7)
    kills = 0
    for _ in range(6):  # start a worker, let it work a moment, kill -9 it
        proc = start_worker(platform, fleet, tmp_path)
        time.sleep(rng.uniform(0.3, 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills += 1
    survivor = start_worker(platform, fleet, tmp_path)
    try:
        cases = wait_until_finished(platform, case_ids, headers, 120)
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(timeout=20)
    assert kills == 6
    assert [c["status"] for c in cases] == ["completed"] * CASES
    # every sub-item reached its department exactly once: one record each, whatever was resent
    assert records(fleet) == CASES * ITEMS_PER_CASE


def test_a_department_down_then_back_gets_everything_once(
    pg_world: tuple[Platform, SimulatorFleet, Dispatcher], tmp_path: Path
) -> None:
    platform, fleet, dispatcher = pg_world
    fleet.control("hrss", available=False)
    case_ids, headers = file_cases(platform, 3)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        dispatcher.run_once()
        time.sleep(0.1)
    assert fleet.stats("hrss")["records"] == 0
    fleet.control("hrss", available=True)
    # retries back off (2 s, 4 s …): let the backoff run out instead of waiting for it
    with platform.app.state.engine.begin() as conn:
        conn.execute(text("UPDATE outbox_jobs SET due_at = now() WHERE status = 'pending'"))
    cases = wait_until_finished(platform, case_ids, headers, 60, dispatcher.run_once)
    assert [c["status"] for c in cases] == ["completed"] * 3
    assert records(fleet) == 3 * ITEMS_PER_CASE


def test_two_workers_never_send_the_same_job_at_the_same_time(
    pg_world: tuple[Platform, SimulatorFleet, Dispatcher], tmp_path: Path
) -> None:
    platform, fleet, _ = pg_world
    case_ids, headers = file_cases(platform, CASES)
    workers = [start_worker(platform, fleet, tmp_path) for _ in range(2)]
    try:
        cases = wait_until_finished(platform, case_ids, headers, 90)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
            w.wait(timeout=20)
    assert [c["status"] for c in cases] == ["completed"] * CASES
    assert records(fleet) == CASES * ITEMS_PER_CASE
    resent = sum(int(fleet.stats(d)["duplicates_refused"]) for d in fleet.urls())
    assert resent == 0  # SKIP LOCKED: no job was ever sent by both


def test_a_dropped_database_connection_is_survived(
    pg_world: tuple[Platform, SimulatorFleet, Dispatcher], tmp_path: Path
) -> None:
    platform, fleet, _ = pg_world
    case_ids, headers = file_cases(platform, 4)
    worker = start_worker(platform, fleet, tmp_path)
    try:
        time.sleep(0.5)
        database = platform.database_url.rsplit("/", 1)[1]
        admin = create_engine(platform.database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            ).scalar()
        admin.dispose()
        assert killed and killed >= 1
        cases = wait_until_finished(platform, case_ids, headers, 90)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    assert worker.returncode == 0
    assert [c["status"] for c in cases] == ["completed"] * 4
    assert records(fleet) == 4 * ITEMS_PER_CASE
