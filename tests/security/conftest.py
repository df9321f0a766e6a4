"""A production-mode app (real keys of full length) on a migrated database of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from security_support import PRODUCTION_KEYS, ProductionApp

from lianban.clock import Clock
from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app


@pytest.fixture
def production_app(database_url: str, tmp_path: Path) -> Iterator[ProductionApp]:
    """Starts production-mode apps on the test's database (SQLite and PostgreSQL), extra settings given."""
    upgrade(database_url)
    started: list[TestClient] = []

    def start(clock: Clock | None = None, mode: Mode = Mode.PRODUCTION, **env: str) -> TestClient:
        # a secret of its own per test: rate-limit counters in a shared Redis never meet another test's
        secret = {"LIANBAN_SECRET_KEY": f"s3cret-{uuid.uuid4().hex}-{'k' * 16}"}
        settings = load_settings(
            {"LIANBAN_DATA_DIR": str(tmp_path / "var"), **PRODUCTION_KEYS, **secret, **env},
            database_url=database_url,
            mode=mode,
        )
        client = TestClient(create_app(settings, clock=clock))
        client.__enter__()
        started.append(client)
        return client

    yield start
    for client in started:
        client.__exit__(None, None, None)
