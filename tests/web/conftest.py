"""A sandbox app on a migrated SQLite file of its own, for the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'api.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=url, mode=Mode.SANDBOX)
    with TestClient(create_app(settings)) as c:
        yield c
