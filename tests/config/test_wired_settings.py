"""What a deployment configures is what the running platform uses: a province's own theme files
(``LIANBAN_THEMES_DIR``) for the guide, filing and delivery; its own region figures
(``LIANBAN_REGIONS_FILE``: the average wage that bounds a pension base) for the check; its public
address (``LIANBAN_PUBLIC_URL``) for callbacks; each department's ``api_key`` and ``timeout_seconds``."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.bootstrap import build_platform
from lianban.cases.schema import Case, OutboxJob
from lianban.catalog.loader import THEMES_DIR
from lianban.config import ConfigError, Mode, load_settings
from lianban.dispatch.worker import Dispatcher
from lianban.forms.regions import REGIONS_FILE
from lianban.migrate import upgrade
from lianban.web.app import create_app
from sandbox_cases import bearer, file_hebei_case, hebei_form, hebei_worker_id

HEBEI = "hebei.flexible-employment"
SHIPPED_RECORD = "- {code: employment_registration_record, name: 就业登记信息（办理结果）}"
PROVINCE_RECORD = "- {code: employment_registration_record, name: 河北省就业登记证明, physical: true}"


def sandbox_client(tmp_path: Path, **env: str) -> TestClient:
    url = f"sqlite:///{tmp_path / 'api.sqlite3'}"
    upgrade(url)
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), **env}, database_url=url, mode=Mode.SANDBOX
    )
    return TestClient(create_app(platform=build_platform(settings)))


@pytest.fixture
def province_themes(tmp_path: Path) -> Path:
    """Hebei's theme as the province changed it: employment registration now issues a paper
    certificate (delivered by post or at the window)."""
    folder = tmp_path / "province-themes"
    folder.mkdir()
    text = (THEMES_DIR / f"{HEBEI}.yaml").read_text(encoding="utf-8")
    assert SHIPPED_RECORD in text
    (folder / f"{HEBEI}.yaml").write_text(text.replace(SHIPPED_RECORD, PROVINCE_RECORD), encoding="utf-8")
    return folder


def test_a_province_theme_folder_is_used_by_the_guide_filing_and_delivery(
    tmp_path: Path, province_themes: Path
) -> None:
    with sandbox_client(tmp_path, LIANBAN_THEMES_DIR=str(province_themes)) as client:
        guide = client.get(f"/api/v1/themes/{HEBEI}/guide").json()
        issued = {i["code"]: i["issues"] for i in guide["items"]}["employment_registration"]
        assert issued == [{"code": "employment_registration_record", "name": "河北省就业登记证明"}]

        case_id, applicant = file_hebei_case(client)
        platform = client.app.state.platform  # type: ignore[attr-defined]
        with platform.sessions() as session:
            filed_under = session.execute(select(Case.theme_digest).where(Case.case_id == case_id)).scalar()
        # filed under the province's theme: its digest is the version the case was accepted under
        assert filed_under == platform.catalogue.theme_digest(HEBEI) != _shipped_digest()

        # every department decides in the worklist (no department system configured)
        dispatcher = Dispatcher(
            platform.sessions, platform.catalogue, platform.dispatch_config(department_urls={})
        )
        for _ in range(5):
            dispatcher.run_once()
            for department in ("hrss", "archives", "social_insurance", "medical_insurance", "tax"):
                staff = bearer(client, username=department, password="sandbox")
                for work in client.get("/api/v1/worklist", headers=staff).json():
                    if work["case_id"] == case_id:
                        r = client.post(
                            f"/api/v1/worklist/{work['item_id']}/decision",
                            json={"decision": "approve"},
                            headers=staff,
                        )
                        assert r.status_code == 200, r.text
        case = client.get(f"/api/v1/applications/{case_id}", headers=applicant).json()
        assert case["status"] == "completed"
        # delivered as the province's theme says: the paper certificate, not the shipped "record"
        assert [d["name"] for d in case["delivery"]["documents"]] == ["河北省就业登记证明"]


SHIPPED_HEBEI_WAGE = "  average_wage_yuan_per_year: 80000\n  average_wage_year: 2023\n  placeholder: true"
PUBLISHED_HEBEI_WAGE = "  average_wage_year: 2024\n  average_wage_yuan_per_year: 96000\n  placeholder: false"


@pytest.fixture
def province_regions(tmp_path: Path) -> Path:
    """The region figures with Hebei's published average wage: 96,000 yuan a year, so a flexible
    worker's pension base is at least 60 % of 8,000 a month, 4,800 (the shipped placeholder: 4,000)."""
    text = REGIONS_FILE.read_text(encoding="utf-8")
    assert SHIPPED_HEBEI_WAGE in text
    path = tmp_path / "regions.yaml"
    path.write_text(text.replace(SHIPPED_HEBEI_WAGE, PUBLISHED_HEBEI_WAGE), encoding="utf-8")
    return path


def pension_base_check(client: TestClient, base: str) -> Any:
    """The Hebei flexible worker's pre-check (预审) with her monthly pension base."""
    form = {**hebei_form(client.app.state.catalogue.code_lists), "insurance.pension.base": base}  # type: ignore[attr-defined]
    headers = bearer(client, id_number=hebei_worker_id(client))
    return client.post("/api/v1/themes/hebei.flexible-employment/check", json={"form": form}, headers=headers)


def test_a_province_regions_file_sets_the_pension_base_bounds(tmp_path: Path, province_regions: Path) -> None:
    with sandbox_client(tmp_path / "shipped") as client:
        assert pension_base_check(client, "4000").status_code == 200  # 60 % of the placeholder wage
    with sandbox_client(tmp_path / "province", LIANBAN_REGIONS_FILE=str(province_regions)) as client:
        refused = pension_base_check(client, "4000")
        assert refused.status_code == 422, refused.text
        issue = next(e for e in refused.json()["errors"] if e["field"] == "insurance.pension.base")
        assert "4800 元至 24000 元" in issue["message"]
        assert pension_base_check(client, "4800").status_code == 200


def test_a_regions_file_that_cannot_be_used_stops_the_start(tmp_path: Path, province_regions: Path) -> None:
    with pytest.raises(ConfigError, match=r"LIANBAN_REGIONS_FILE: .*missing\.yaml is not a file"):
        load_settings({"LIANBAN_REGIONS_FILE": str(tmp_path / "missing.yaml")}, mode=Mode.SANDBOX)
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        province_regions.read_text(encoding="utf-8").replace(
            "housing_fund_rounding: yuan", "housing_fund_rounding: 元", 1
        ),
        encoding="utf-8",
    )
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), "LIANBAN_REGIONS_FILE": str(broken)},
        database_url=f"sqlite:///{tmp_path / 'api.sqlite3'}",
        mode=Mode.SANDBOX,
    )
    with pytest.raises(
        ConfigError, match=r"LIANBAN_REGIONS_FILE: .*broken\.yaml: entry 420000: housing_fund_rounding"
    ):
        build_platform(settings)


def _shipped_digest() -> str:
    from lianban.catalog.catalogue import default_catalogue

    return default_catalogue().theme_digest(HEBEI)


class Department(BaseHTTPRequestHandler):
    """A department system on loopback: records what it is sent; ``delay`` seconds before answering."""

    seen: list[dict[str, Any]]
    delay: float = 0.0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.seen.append({"headers": dict(self.headers), "envelope": json.loads(body)})
        time.sleep(self.delay)
        answer = json.dumps({"receipt_no": f"R{len(self.seen)}", "status": "accepted"}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the platform stopped waiting

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def departments() -> Iterator[tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """Two department systems: hrss answers at once, archives takes two seconds."""
    servers = []
    logs: list[list[dict[str, Any]]] = [[], []]
    for log, delay in zip(logs, (0.0, 2.0), strict=True):
        handler = type("Dept", (Department,), {"seen": log, "delay": delay})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield (
            f"http://127.0.0.1:{servers[0].server_address[1]}",
            f"http://127.0.0.1:{servers[1].server_address[1]}",
            logs[0],
            logs[1],
        )
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_departments_get_their_key_and_timeout_and_call_back_on_the_public_url(
    tmp_path: Path, departments: tuple[str, str, list[dict[str, Any]], list[dict[str, Any]]]
) -> None:
    hrss_url, archives_url, hrss_seen, archives_seen = departments
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text(
        "departments:\n"
        f"  hrss: {{base_url: '{hrss_url}', api_key: hrss-key-2026, timeout_seconds: 5}}\n"
        f"  archives: {{base_url: '{archives_url}', timeout_seconds: 0.5}}\n",
        encoding="utf-8",
    )
    public = "https://lianban.hebei.example.gov.cn"
    with sandbox_client(
        tmp_path, LIANBAN_DEPLOYMENT_FILE=str(deployment), LIANBAN_PUBLIC_URL=public
    ) as client:
        case_id, _ = file_hebei_case(client)
        platform = client.app.state.platform  # type: ignore[attr-defined]
        # the dispatcher as `lianban serve --host 0.0.0.0 --port 8000` builds it behind a proxy
        config = platform.dispatch_config(served_at="http://0.0.0.0:8000")
        dispatcher = Dispatcher(platform.sessions, platform.catalogue, config)
        try:
            started = time.monotonic()
            dispatcher.run_once()
            took = time.monotonic() - started
        finally:
            dispatcher.close()

        (sent,) = hrss_seen
        assert sent["headers"]["X-Api-Key"] == "hrss-key-2026"
        assert sent["envelope"]["callback_url"] == f"{public}/api/v1/connectors/hrss/callback"
        assert len(archives_seen) == 1 and "X-Api-Key" not in archives_seen[0]["headers"]
        assert took < 2.0  # archives' 0.5 s timeout, not the default 10 s, nor its 2 s answer
        with platform.sessions() as session:
            job = session.execute(
                select(OutboxJob).where(
                    OutboxJob.case_id == case_id, OutboxJob.item_id == "archive_receipt_transfer"
                )
            ).scalar_one()
            assert job.status == "pending" and job.attempts == 1
            assert "Timeout" in (job.last_error or "")
