"""`lianban demo` as acceptance tests start it: a real process, real HTTP, stopped by SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow  # starts `lianban demo` in its own process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_demo(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "LIANBAN_DATA_DIR": str(tmp_path / "var")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lianban.cli",
            "demo",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database-url",
            database_url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"lianban demo exited early ({proc.returncode}):\n{out}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("lianban demo did not answer /healthz within 60 s")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_demo_serves_the_six_themes_and_stops_on_sigterm(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'demo.sqlite3'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    proc, base = start_demo(url, tmp_path)
    try:
        themes = httpx.get(f"{base}/api/v1/themes", timeout=10).json()
        assert sorted(len(t["items"]) for t in themes) == sorted([8, 7, 6, 7, 4, 6])
        assert httpx.get(f"{base}/healthz", timeout=5).json()["mode"] == "sandbox"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert f"{base}/api/v1/themes" in out


def test_in_the_demo_a_case_runs_through_the_simulated_departments(tmp_path: Path) -> None:
    proc, base = start_demo(f"sqlite:///{tmp_path / 'demo.sqlite3'}", tmp_path)
    try:
        people = httpx.get(
            f"{base}/api/v1/sandbox/people", params={"filter": "hebei", "limit": 50}, timeout=10
        ).json()
        worker = next(
            p for p in people if "hebei_flexible_public_archive" in (p.get("persona"), p.get("key"))
        )
        token = httpx.post(
            f"{base}/api/v1/auth/sandbox", json={"id_number": worker["id_number"]}, timeout=10
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        behaviour = httpx.put(
            f"{base}/api/v1/sandbox/departments/medical_insurance", json={"latency_ms": 10}, timeout=10
        )
        assert behaviour.status_code == 200 and behaviour.json()["latency_ms"] == 10
        spec = httpx.post(f"{base}/api/v1/themes/hebei.flexible-employment/form", json={}, timeout=10).json()
        options = {f["key"]: f["options"] for s in spec["sections"] for f in s["fields"] if "options" in f}
        form = {
            "employment.start_date": "2026-11-02",
            "employment.registration_type": options["employment.registration_type"][0]["code"],  # 登记就业
            "employment.type": options["employment.type"][2]["code"],  # 灵活就业
            "employment.work_region": "130104",
            "employment.special_group": options["employment.special_group"][-1]["code"],  # 其他
            "archives.receiving_agency_code": "130100001",
        }
        r = httpx.post(
            f"{base}/api/v1/applications",
            json={"theme_id": "hebei.flexible-employment", "form": form},
            headers=headers,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        case_id = r.json()["case_id"]
        deadline = time.monotonic() + 60
        status = ""
        while time.monotonic() < deadline:
            status = httpx.get(f"{base}/api/v1/applications/{case_id}", headers=headers, timeout=10).json()[
                "status"
            ]
            if status == "completed":
                break
            time.sleep(0.3)
        assert status == "completed"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
