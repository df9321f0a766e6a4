"""Simulators run from Python: one department on loopback in a thread of this process, or the fleet of eight."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from lianban.security.department_keys import DepartmentKeys
from lianban.security.signing import Keyring, sign_request
from lianban_sandbox.simulators.app import create_simulator_app
from lianban_sandbox.simulators.model import (
    DEPARTMENT_CODE,
    DEPARTMENTS,
    START_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    Behaviour,
    ControlUpdate,
)
from lianban_sandbox.simulators.runtime import SimulatorOptions, SimulatorRuntime


class SimulatorError(RuntimeError):
    """A simulator that would not start, or a control call it refused."""


class DepartmentSimulator:
    """One department's simulated system, served on loopback in a thread of this process."""

    def __init__(
        self,
        department: str,
        data_dir: Path,
        keyring: Keyring,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        behaviour: Behaviour | None = None,
        schemas: Mapping[str, dict[str, Any]] | None = None,
        seed: int | None = None,
        callback_max_attempts: int = 6,
        callback_backoff_seconds: float = 0.1,
    ) -> None:
        if not DEPARTMENT_CODE.match(department):
            raise ValueError(f"not a department code: {department!r}")
        if callback_max_attempts < 1:
            raise ValueError("callback_max_attempts must be at least 1")
        self.department = department
        self.keyring = keyring
        self.host = host
        self.port = port
        self.runtime = SimulatorRuntime(
            department,
            Path(data_dir) / f"{department}.sqlite3",
            keyring,
            behaviour or Behaviour(),
            SimulatorOptions(
                schemas=dict(schemas or {}),
                seed=seed,
                callback_max_attempts=callback_max_attempts,
                callback_backoff_seconds=callback_backoff_seconds,
            ),
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise SimulatorError(f"simulator {self.department} is not started")
        return self._url

    @property
    def store_path(self) -> Path:
        return self.runtime.store_path

    def _launch(self) -> None:
        """Bind the port and start serving in a thread, without waiting."""
        if self._thread is not None:
            return
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        port = int(sock.getsockname()[1])
        shown_host = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        self._url = f"http://{shown_host}:{port}"
        config = uvicorn.Config(
            create_simulator_app(self.runtime),
            lifespan="on",
            log_config=None,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name=f"simulator-{self.department}",
            daemon=True,
        )
        self._thread.start()

    def _wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            raise SimulatorError("simulator was not launched")
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise SimulatorError(f"simulator {self.department} did not start")
            time.sleep(0.01)
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while True:
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise SimulatorError(f"simulator {self.department} does not answer")
                time.sleep(0.02)

    def start(self) -> str:
        """Serve, wait until ``/healthz`` answers, and return the base URL."""
        self._launch()
        self._wait_ready()
        return self.url

    def _signal_stop(self) -> None:
        """Ask the server to stop (stalled answers end, pending decisions are cancelled); no wait."""
        if self._server is not None:
            self.runtime.request_shutdown()
            self._server.should_exit = True

    def stop(self) -> None:
        """Stop serving: ends stalled answers and pending decisions, then joins the thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._signal_stop()
        thread.join(STOP_TIMEOUT_SECONDS)
        if thread.is_alive():  # pragma: no cover - only when a handler ignores cancellation
            server.force_exit = True
            thread.join(STOP_TIMEOUT_SECONDS)
        self._server = None
        self._thread = None
        self._url = None

    def __enter__(self) -> DepartmentSimulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _signed(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = sign_request(self.keyring, method, path, body)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            response = client.request(method, f"{self.url}{path}", content=body, headers=headers)
        if response.status_code != 200:
            raise SimulatorError(f"{method} {path} → {response.status_code}: {response.text}")
        answer: dict[str, Any] = response.json()
        return answer

    def control(self, **settings: Any) -> dict[str, Any]:
        """Change the behaviour (``available``, ``decision``, ``latency_ms``, fault modes); returns it all."""
        update = ControlUpdate.model_validate(settings)
        return self._signed("PUT", "/control", update.model_dump(exclude_unset=True))

    def behaviour(self) -> dict[str, Any]:
        return self._signed("GET", "/control")

    def stats(self) -> dict[str, Any]:
        return self._signed("GET", "/stats")


class SimulatorFleet:
    """One simulator per department, each with its own port, SQLite file under ``data_dir`` and key."""

    def __init__(
        self,
        departments: Sequence[str] = DEPARTMENTS,
        data_dir: Path | None = None,
        keys: DepartmentKeys | None = None,
        host: str = "127.0.0.1",
        **options: Any,
    ) -> None:
        if data_dir is None or keys is None:
            raise TypeError("SimulatorFleet needs data_dir and keys")
        if len(set(departments)) != len(departments):
            raise ValueError("each department may appear once")
        self.keys = keys
        # each simulated department signs with its own department's key, as a real one would
        self.simulators: dict[str, DepartmentSimulator] = {
            dept: DepartmentSimulator(dept, Path(data_dir), keys.for_department(dept), host, 0, **options)
            for dept in departments
        }

    def start(self) -> dict[str, str]:
        """Start every simulator (all bind first, then all are awaited) and return their URLs."""
        try:
            for simulator in self.simulators.values():
                simulator._launch()
            for simulator in self.simulators.values():
                simulator._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self.urls()

    def stop(self) -> None:
        for simulator in self.simulators.values():
            simulator._signal_stop()  # all at once, so the shutdowns overlap
        for simulator in self.simulators.values():
            simulator.stop()

    def urls(self) -> dict[str, str]:
        return {dept: simulator.url for dept, simulator in self.simulators.items()}

    def __getitem__(self, department: str) -> DepartmentSimulator:
        return self.simulators[department]

    def control(self, department: str, **settings: Any) -> dict[str, Any]:
        return self.simulators[department].control(**settings)

    def stats(self, department: str) -> dict[str, Any]:
        return self.simulators[department].stats()

    def __enter__(self) -> SimulatorFleet:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
