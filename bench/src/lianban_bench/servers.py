"""Servers of the benchmark, started the way a deployment starts them (按部署方式启动).

``lianban migrate`` then ``lianban serve`` as a subprocess on a free port, ``lianban worker``
processes, and the eight department simulators each as its own process
(``python -m lianban_sandbox.simulators``). All share one environment: sandbox mode, a data
directory in a temporary folder, one signing key for platform and departments. The bench creates
its own databases (a SQLite file, or ``lianban_bench_…`` databases on the PostgreSQL server) and
drops them again; it never touches another database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lianban.security.department_keys import derived_key
from lianban.security.signing import SigningKey
from lianban_sandbox.simulators import DEPARTMENTS

START_SECONDS = 120.0  # a loaded 2-core machine starts `serve --workers 2` slowly
# the bench's PostgreSQL databases are named <prefix>_<scenario>_<random>: one prefix per person or
# session sharing a server (LIANBAN_BENCH_DB_PREFIX), so no one's clean-up drops another's
DB_PREFIX = os.environ.get("LIANBAN_BENCH_DB_PREFIX") or "lianban_bench"
STOP_SECONDS = 30.0


class BenchError(RuntimeError):
    """A server that would not start, or a scenario whose run went wrong; ``partial`` holds the
    results document of the scenarios measured before it (with the failure), when there are any."""

    partial: dict[str, Any] | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (``VmRSS`` in /proc); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return 0.0


def cli(*args: str) -> list[str]:
    """The ``lianban`` command line, run with this interpreter (as the installed script does)."""
    return [sys.executable, "-m", "lianban.cli", *args]


class Stage:
    """What the processes of one run share: a folder, a data directory, a signing key, an environment."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data_dir = root / "var"
        self.logs = root / "logs"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        self.key = SigningKey.generate("bench-1")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIANBAN_")}
        # every process of the run compiles the platform once between them: byte code cached in
        # the stage (a shell with PYTHONDONTWRITEBYTECODE had each of the ~20 processes compile
        # every module again — tens of CPU-seconds per start on a busy 2-core machine)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            {
                "PYTHONPYCACHEPREFIX": str(root / "pycache"),
                "LIANBAN_MODE": "sandbox",
                "LIANBAN_DATA_DIR": str(self.data_dir),
                "LIANBAN_SIGNING_KEYS": f"{self.key.key_id}:{self.key.secret.hex()}",
                "LIANBAN_RATE_LIMITS": "off",  # the bench measures the platform, not its rate limits
                # warnings and errors only: a JSON line per request would fill the log files of a
                # million-case run (and the figures stay comparable with runs before it)
                "LIANBAN_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.env = env

    def log(self, name: str) -> Path:
        return self.logs / f"{name}-{uuid.uuid4().hex[:6]}.log"


class ManagedProcess:
    """A child process with its output in a log file; stopped with SIGTERM, killed if it hangs."""

    def __init__(
        self, name: str, args: Sequence[str], stage: Stage, env: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.log_path = stage.log(name)
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            list(args),
            env=env or stage.env,
            cwd=stage.root,  # never a deployment.yaml of the working directory
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_SECONDS)
        self._log.close()


def wait_healthy(url: str, process: ManagedProcess, seconds: float = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if not process.alive():
                raise BenchError(f"{process.name} exited: {process.output()[-2000:]}")
            try:
                if client.get(f"{url}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise BenchError(f"{process.name} did not answer /healthz in {seconds} s")


def migrate(stage: Stage, database_url: str) -> None:
    """``lianban migrate``: the newest schema and the catalogue's theme versions."""
    done = subprocess.run(
        cli("migrate", "--database-url", database_url),
        env=stage.env,
        cwd=stage.root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"lianban migrate failed: {done.stdout[-1000:]}{done.stderr[-2000:]}")


class Databases:
    """The bench's own databases of one kind: SQLite files in the stage, or PostgreSQL databases."""

    def __init__(self, kind: str, stage: Stage, admin_url: str) -> None:
        self.kind = kind
        self.stage = stage
        self.admin_url = admin_url
        self.created: list[str] = []
        self._template: str | None = None

    def create(self, name: str) -> str:
        """A new, empty database for one scenario; its URL."""
        if self.kind == "sqlite":
            path = self.stage.root / f"{name}-{uuid.uuid4().hex[:6]}.sqlite3"
            return f"sqlite:///{path}"
        return self._new_postgres(name)

    def _admin(self, statement: str) -> None:
        """One statement on the server's maintenance database (CREATE / DROP DATABASE)."""
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(statement))
        finally:
            admin.dispose()

    def _new_postgres(self, name: str, template: str | None = None) -> str:
        """A new PostgreSQL database of this run (a copy of ``template`` when given); its URL."""
        db = f"{DB_PREFIX}_{name}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{db}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(db)
        return make_url(self.admin_url).set(database=db).render_as_string(hide_password=False)

    def create_migrated(self, name: str) -> str:
        """A new database at the newest schema: ``lianban migrate`` runs once per kind, on a template
        database that is then copied (a file copy; PostgreSQL's ``CREATE DATABASE … TEMPLATE``)."""
        if self._template is None:
            self._template = self.create("template")
            migrate(self.stage, self._template)
        if self.kind == "sqlite":
            source = Path(make_url(self._template).database or "")
            url = self.create(name)
            target = Path(make_url(url).database or "")
            for suffix in ("", "-wal"):
                if Path(f"{source}{suffix}").exists():
                    shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
            return url
        return self._new_postgres(name, template=make_url(self._template).database)

    def drop(self, url: str) -> None:
        """Drop one of this run's databases as soon as its scenario is done (a million cases are
        ~20 GB on disk)."""
        name = make_url(url).database or ""
        if self.kind == "sqlite":
            for path in self.stage.root.glob(f"{Path(name).name}*"):
                path.unlink(missing_ok=True)
            return
        if name not in self.created:
            return
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.remove(name)

    def drop_all(self) -> None:
        if self.kind == "sqlite":  # a 1M-case file is tens of GB: gone as soon as its kind is done
            for path in self.stage.root.glob("*.sqlite3*"):
                path.unlink(missing_ok=True)
            self._template = None
            return
        if not self.created:
            return
        admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                for db in self.created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        finally:
            admin.dispose()
        self.created.clear()


class ApiServer:
    """``lianban serve`` on a free port; without its in-process worker unless asked for."""

    def __init__(
        self,
        stage: Stage,
        database_url: str,
        *,
        in_process_worker: bool = False,
        port: int | None = None,
        deployment: Path | None = None,
        workers: int = 1,
    ) -> None:
        self.stage = stage
        self.workers = workers
        self.database_url = database_url
        self.in_process_worker = in_process_worker
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.deployment = deployment
        self.process: ManagedProcess | None = None

    def env(self) -> dict[str, str]:
        env = {**self.stage.env, "LIANBAN_DATABASE_URL": self.database_url, "LIANBAN_PUBLIC_URL": self.url}
        if self.deployment is not None:
            env["LIANBAN_DEPLOYMENT_FILE"] = str(self.deployment)
        return env

    def start(self) -> ApiServer:
        worker_flag = "--in-process-worker" if self.in_process_worker else "--no-in-process-worker"
        self.process = ManagedProcess(
            "api",
            cli(
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                worker_flag,
                "--workers",
                str(self.workers),
            ),
            self.stage,
            self.env(),
        )
        try:
            wait_healthy(self.url, self.process)
        except BaseException:  # never left running behind a failed start (no __exit__ then)
            self.stop()
            raise
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Workers:
    """``lianban worker`` processes against one database, calling back to one API."""

    def __init__(self, api: ApiServer, interval: float = 0.1) -> None:
        self.api = api
        self.interval = interval
        self.processes: list[ManagedProcess] = []

    def start(self, n: int) -> Workers:
        for i in range(n):
            self.processes.append(
                ManagedProcess(
                    f"worker{i + 1}",
                    cli("worker", "--interval", str(self.interval)),
                    self.api.stage,
                    self.api.env(),
                )
            )
        return self

    def wait_ready(self, seconds: float = START_SECONDS * 3) -> None:
        """Until every worker has printed its start line (it polls the outbox from then on)."""
        deadline = time.monotonic() + seconds
        for p in self.processes:
            while "worker:" not in p.output():
                if not p.alive() or time.monotonic() > deadline:
                    raise BenchError(f"{p.name} did not start: {p.output()[-2000:]}")
                time.sleep(0.05)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def stop(self) -> None:
        for p in self.processes:
            if p.alive():
                p.proc.send_signal(signal.SIGTERM)
        for p in self.processes:
            p.stop()
        self.processes.clear()


class Simulators:
    """The eight simulated department systems, each its own process, deciding after ``latency_ms``."""

    def __init__(self, stage: Stage, latency_ms: int) -> None:
        self.stage = stage
        self.latency_ms = latency_ms
        self.processes: dict[str, ManagedProcess] = {}
        self.urls: dict[str, str] = {}
        self.deployment = stage.root / "deployment.yaml"

    def start(self) -> Simulators:
        for dept in DEPARTMENTS:
            key = derived_key(self.stage.key, dept)  # each department its own key, as the platform derives it
            self.processes[dept] = ManagedProcess(
                f"simulator-{dept}",
                [
                    sys.executable,
                    "-m",
                    "lianban_sandbox.simulators",
                    "--department",
                    dept,
                    "--data-dir",
                    str(self.stage.root / "departments"),
                    "--key-id",
                    key.key_id,
                    "--secret",
                    key.secret.hex(),
                    "--latency-ms",
                    str(self.latency_ms),
                    "--seed",
                    "0",
                ],
                self.stage,
            )
        deadline = time.monotonic() + START_SECONDS
        for dept, process in self.processes.items():
            while dept not in self.urls:
                first = process.output().strip().splitlines()
                if first and first[0].startswith("http"):
                    self.urls[dept] = first[0].strip()
                elif not process.alive() or time.monotonic() > deadline:
                    self.stop()
                    raise BenchError(f"simulator {dept} did not start: {process.output()[-2000:]}")
                else:
                    time.sleep(0.05)
        YAML().dump(
            {"departments": {d: {"base_url": u, "timeout_seconds": 10} for d, u in self.urls.items()}},
            self.deployment,
        )
        return self

    def stop(self) -> None:
        for p in self.processes.values():
            if p.alive():
                p.proc.send_signal(signal.SIGTERM)
        for p in self.processes.values():
            p.stop()
        self.processes.clear()

    def __enter__(self) -> Simulators:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
