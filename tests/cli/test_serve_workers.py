"""`lianban serve --workers 2`: the API in two processes on one port, for PostgreSQL; refused on
SQLite (one file, one writer)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cli.test_demo_process import free_port
from lianban.migrate import upgrade


def serve(database_url: str, tmp_path: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "LIANBAN_DATA_DIR": str(tmp_path / "var"), "LIANBAN_MODE": "sandbox"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lianban.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--database-url",
            database_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_two_processes_are_refused_on_sqlite(tmp_path: Path) -> None:
    done = serve(f"sqlite:///{tmp_path}/lianban.sqlite3", tmp_path, free_port())
    out, _ = done.communicate(timeout=60)
    assert done.returncode == 2, out
    assert "PostgreSQL" in out


@pytest.mark.postgres
def test_two_processes_serve_one_port_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    upgrade(postgres_url)
    port = free_port()
    proc = serve(postgres_url, tmp_path, port)
    try:
        themes = None
        deadline = time.monotonic() + 240  # two processes importing the app on a busy machine
        while time.monotonic() < deadline and themes is None:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/themes", timeout=5, trust_env=False)
                themes = answer.json() if answer.status_code == 200 else None
            except httpx.HTTPError:
                time.sleep(0.2)
        assert themes, "no process answered"
        # both serving processes are children of the supervisor
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) >= 2
        for _ in range(20):  # every request answered, whichever process takes it
            assert (
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5, trust_env=False).status_code == 200
            )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
