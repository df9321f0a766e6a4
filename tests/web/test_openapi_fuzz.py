"""Every operation of the published OpenAPI document, fuzzed with Schemathesis (issue 14, point 12).

Schemathesis reads ``/api/v1/openapi.json`` of a sandbox app on a migrated SQLite file and sends
each operation requests generated from its schema (and some that break it), with an applicant's
bearer token — the Wuhan graduate's. Whatever it sends, the platform answers with a problem, never
a server error: no 5xx. A bounded number of examples per operation keeps it within the suite's
budget (about a minute in all).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.web.app import create_app

WUHAN_GRADUATE = "42011120040315002X"
# per operation; LIANBAN_FUZZ_EXAMPLES=200 for a longer hunt
EXAMPLES = int(os.environ.get("LIANBAN_FUZZ_EXAMPLES", "5"))


def _sandbox_app() -> FastAPI:
    """A sandbox app on a migrated SQLite file of its own (built when the module is collected:
    Schemathesis makes one test per operation from its document, so it is needed then)."""
    root = Path(tempfile.mkdtemp(prefix="lianban-fuzz-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    url = f"sqlite:///{root / 'fuzz.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(root / "var")}, database_url=url, mode=Mode.SANDBOX)
    return create_app(settings)


APP = _sandbox_app()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@pytest.fixture(scope="module")
def applicant() -> dict[str, str]:
    with TestClient(APP) as client:
        r = client.post("/api/v1/auth/sandbox", json={"id_number": WUHAN_GRADUATE})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="LIANBAN_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error(case: Any, applicant: dict[str, str]) -> None:
    response = case.call(headers={**applicant, **(case.headers or {})})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}"
    )
