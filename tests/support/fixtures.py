"""The suite's shared fixtures (a pytest plugin, loaded by ``tests/conftest.py``).

``client`` is the sandbox platform on a migrated SQLite file of the test's own. A test module
changes what it is built on by overriding the small fixtures it is made of:

- ``clock`` — the story's time (``SettableClock(beijing(date(2026, 11, 2), 9))``); default: the
  system clock;
- ``app_database`` — ``database_url`` to run on SQLite and PostgreSQL both; default SQLite;
- ``app_env`` — deployment variables (``LIANBAN_COURIER_URL`` …).

The people of the sandbox, logged in: ``wuhan_graduate``, ``hebei_worker`` (bearer headers), and
any persona or staff account through :mod:`support.login`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lianban.clock import Clock
from support.apps import sandbox_client
from support.login import as_persona


@pytest.fixture
def clock() -> Clock | None:
    return None


@pytest.fixture
def app_database(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def app_env() -> dict[str, str]:
    return {}


@pytest.fixture
def client(
    app_database: str, tmp_path: Path, clock: Clock | None, app_env: dict[str, str]
) -> Iterator[TestClient]:
    with sandbox_client(app_database, tmp_path, clock, app_env) as c:
        yield c


@pytest.fixture
def wuhan_graduate(client: TestClient) -> dict[str, str]:
    """The Wuhan graduate (flexibly employed in 洪山区), logged in."""
    return as_persona(client, "wuhan_graduate", "wuhan")


@pytest.fixture
def hebei_worker(client: TestClient) -> dict[str, str]:
    """The Hebei flexibly employed worker whose archive a public agency keeps, logged in."""
    return as_persona(client, "hebei_flexible_public_archive", "hebei")
