"""The batch scenario (批量办理): an employer in Shangrao files 1,000 new hires from one sheet.

The employer's sheet (员工花名册, .xlsx) is made before the clock starts, from the sandbox's valid
synthetic hires (:func:`lianban.sharing.sandbox_hires.sandbox_hires`). Timed, end to end, as the
employer's browser does it: ``POST /api/v1/themes/shangrao.recruitment/employee-sheet`` (upload,
parse, validate every row) and ``POST /api/v1/applications`` with the employees it returned and
the employer's fields → 201. Figures: seconds and rows per second.
"""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any

import httpx
from stdnum.cn import ric

from lianban.catalog.catalogue import default_catalogue
from lianban_bench.graduate import sandbox_token
from lianban_bench.servers import ApiServer, BenchError

THEME = "shangrao.recruitment"
EMPLOYER = "shangrao_employer"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _employer(base: str) -> dict[str, Any]:
    employers = httpx.get(
        f"{base}/api/v1/sandbox/employers",
        params={"filter": EMPLOYER, "limit": 10},
        timeout=30,
        trust_env=False,
    ).json()
    found: dict[str, Any] = next(e for e in employers if e.get("persona") == EMPLOYER)
    return found


def _resident_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")  # stdnum wants a placeholder check digit


def _employer_fields(employer: dict[str, Any]) -> dict[str, Any]:
    """What the employer's clerk types above the sheet (单位信息)."""
    catalogue = default_catalogue()
    address = employer.get("address") or {}
    return {
        "employer.name": employer["name"],
        "employer.uscc": employer["uscc"],
        "employer.service_items": [c.code for c in catalogue.code_lists["shangrao.service_item"].codes],
        "employer.application_date": date.today().isoformat(),
        "employer.agent_name": "周颖",
        "employer.agent_id_number": _resident_id("36110219900202022"),
        "employer.agent_phone": "0793-8201234",
        "employer.address": address.get("detail") or address.get("text") or "江西省上饶市信州区凤凰大道88号",
        "employer.si_code": employer.get("si_code") or "",
        "employer.housing_fund_account": employer.get("housing_fund_account") or "",
    }


def make_sheet(rows: int) -> bytes:
    """The employer's .xlsx with ``rows`` valid new hires."""
    from lianban.forms.sheet import build_sheet
    from lianban_sandbox.registry import sandbox_hires

    catalogue = default_catalogue()
    return build_sheet(
        catalogue, catalogue.theme(THEME), sandbox_hires(rows, THEME, seed=0, catalogue=catalogue)
    )


def file_batch(api: ApiServer, *, rows: int) -> str:
    """File a ``rows``-employee Shangrao case on ``api`` (untimed); its case id."""
    return str(_run(api, rows)[1]["case_id"])


def run_batch(api: ApiServer, *, rows: int) -> dict[str, Any]:
    """On the running ``api`` (in a full run, its database already holds the status scenario's cases)."""
    return _run(api, rows)[0]


def _run(api: ApiServer, rows: int) -> tuple[dict[str, Any], dict[str, Any]]:
    sheet = make_sheet(rows)
    with httpx.Client(base_url=api.url, timeout=600, trust_env=False) as client:
        employer = _employer(api.url)
        headers = {"Authorization": f"Bearer {sandbox_token(api.url, uscc=employer['uscc'])}"}
        fields = _employer_fields(employer)
        began = time.perf_counter()
        uploaded = client.post(
            f"/api/v1/themes/{THEME}/employee-sheet",
            files={"file": ("员工花名册.xlsx", sheet, XLSX)},
            headers=headers,
        )
        checked_at = time.perf_counter()
        if uploaded.status_code != 200 or uploaded.json().get("errors"):
            raise BenchError(f"the sheet was refused: {uploaded.status_code} {uploaded.text[:1000]}")
        employees = uploaded.json()["employees"]
        filed = client.post(
            "/api/v1/applications",
            json={"theme_id": THEME, "form": {**fields, "employees": employees}},
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        seconds = time.perf_counter() - began
        if filed.status_code != 201:
            raise BenchError(f"the batch filing was refused: {filed.status_code} {filed.text[:1000]}")
    figures = {
        "rows": rows,
        "employees_accepted": len(employees),
        "sub_items": len(filed.json()["items"]),
        "sheet_bytes": len(sheet),
        "upload_seconds": round(checked_at - began, 3),
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds, 1),
    }
    answer: dict[str, Any] = filed.json()
    return figures, answer
