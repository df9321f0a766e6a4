"""The platform under test: a sandbox app on a migrated database of its own, as ``lianban demo``
builds it, with the clock the test's story sets and any deployment variables it needs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from lianban.clock import Clock
from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app


@contextmanager
def sandbox_client(
    database_url: str, data_dir: Path, clock: Clock | None = None, env: Mapping[str, str] | None = None
) -> Iterator[TestClient]:
    """A client of the sandbox app on ``database_url`` (migrated first), its files under ``data_dir``."""
    upgrade(database_url)
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(data_dir / "var"), **(env or {})},
        database_url=database_url,
        mode=Mode.SANDBOX,
    )
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()
