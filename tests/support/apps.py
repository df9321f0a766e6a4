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


def platform_env(client: TestClient) -> dict[str, str]:
    """The variables a command run beside ``client``'s platform needs to hold the same keys (its
    mode and data directory, where a sandbox keeps the keys it generated, and any keys it was given)."""
    settings = client.app.state.settings  # type: ignore[attr-defined]
    env = {"LIANBAN_MODE": settings.mode.value, "LIANBAN_DATA_DIR": str(settings.data_dir)}
    for name in ("data_keys", "data_cipher", "lookup_key"):
        if getattr(settings, name):
            env[f"LIANBAN_{name.upper()}"] = str(getattr(settings, name))
    return env
