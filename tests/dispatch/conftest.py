"""The world of the dispatch tests: a running platform and the eight simulated departments."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dispatch_helpers import Platform

from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban_sandbox.simulators import SimulatorFleet


@contextmanager
def running_world(database_url: str, tmp_path: Path) -> Iterator[tuple[Platform, SimulatorFleet, Dispatcher]]:
    with Platform(database_url, tmp_path / "var") as platform:
        fleet = SimulatorFleet(data_dir=tmp_path / "departments", keys=platform.app.state.department_keys)
        urls = fleet.start()
        try:
            for dept in urls:
                fleet.control(dept, latency_ms=20)
            dispatcher = Dispatcher(
                platform.app.state.sessions,
                platform.app.state.catalogue,
                DispatchConfig(
                    keys=platform.app.state.department_keys,
                    department_urls=urls,
                    callback_base_url=platform.url,
                    archives=platform.app.state.sharing.archives,
                    redirect_sites={"tax": f"{platform.url}/api/v1/sandbox/etax"},
                ),
            )
            yield platform, fleet, dispatcher
        finally:
            fleet.stop()


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[tuple[Platform, SimulatorFleet, Dispatcher]]:
    """On SQLite and on PostgreSQL."""
    with running_world(database_url, tmp_path) as w:
        yield w


@pytest.fixture
def pg_world(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Platform, SimulatorFleet, Dispatcher]]:
    """On PostgreSQL only: many worker processes need row locks SQLite does not have."""
    with running_world(postgres_url, tmp_path) as w:
        yield w
