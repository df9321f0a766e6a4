"""The logged-in identity is the applicant (issue 14, point 2).

A flexible worker in Shijiazhuang logs in with her ID number. The population register does not
know her (a register that knows nobody), so nothing comes from data sharing. Her ID number is still the token's: another typed number is refused
(``locked``), an omitted one is filled in, and the departments receive hers. Her birth date and
gender come from her ID number, not from what she types.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lianban.cases.schema import CaseItem
from lianban.config import Mode, load_settings
from lianban.migrate import upgrade
from lianban.sharing.providers import EmployerRecord, PersonRecord, SharingHub
from lianban.web.app import create_app
from lianban_sandbox.registry import SandboxRegistry, sandbox_hub
from support.login import login

HER_ID = "130102199205060022"  # 长安区, 1992-05-06, sequence 002 (even: a woman)
SOMEONE_ELSE = "130102196501010034"  # a man born in 1965
FACTS = {"archive_in_public_service_in_province": True}


class Nobody:
    """人口库 and 市场主体库 that know no one."""

    def person(self, id_number: str) -> PersonRecord | None:
        return None

    def employer(self, uscc: str) -> EmployerRecord | None:
        return None


@pytest.fixture
def silent(tmp_path: Path) -> Iterator[TestClient]:
    """A sandbox app whose population and business registers know nobody."""
    url = f"sqlite:///{tmp_path / 'silent.sqlite3'}"
    upgrade(url)
    settings = load_settings({"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=url, mode=Mode.SANDBOX)
    sandbox = sandbox_hub(SandboxRegistry())
    hub = SharingHub(
        population=Nobody(),
        e_licences=sandbox.e_licences,
        education=sandbox.education,
        business=Nobody(),
        social_insurance=sandbox.social_insurance,
        archives=sandbox.archives,
    )
    app = create_app(settings, sharing=hub)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def her_form(client: TestClient) -> dict[str, Any]:
    """Everything she types on Hebei's table 2 when data sharing fills nothing — but her ID
    number, birth date and gender."""
    lists = client.app.state.catalogue.code_lists  # type: ignore[attr-defined]
    return {
        "person.name": "刘晓燕",
        "person.ethnicity": "01",
        "person.id_type": "01",
        "person.hukou_type": "non_agricultural",
        "person.hukou_address": {"region": "130102", "detail": "长安区建设北大街12号"},
        "person.residence_address": {"region": "130104", "detail": "桥西区自强路8号"},
        "employment.start_date": "2026-11-02",
        "employment.registration_type": lists["hebei.registration_type"].codes[0].code,
        "employment.type": lists["hebei.employment_type"].codes[2].code,
        "employment.work_region": "130104",
        "employment.special_group": lists["hebei.special_group_category"].codes[-1].code,
        "archives.receiving_agency_code": "130100001",
    }


def check(client: TestClient, headers: dict[str, str], form: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/themes/hebei.flexible-employment/check",
        json={"form": form, "facts": FACTS},
        headers=headers,
    )


def test_she_cannot_apply_under_another_persons_id_number(silent: TestClient) -> None:
    headers = login(silent, id_number=HER_ID)
    r = check(silent, headers, {**her_form(silent), "person.id_number": SOMEONE_ELSE})
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert errors["person.id_number"] == "locked"
    filed = silent.post(
        "/api/v1/applications",
        json={
            "theme_id": "hebei.flexible-employment",
            "form": {**her_form(silent), "person.id_number": SOMEONE_ELSE},
            "facts": FACTS,
        },
        headers=headers,
    )
    assert filed.status_code == 422
    assert silent.get("/api/v1/applications", headers=headers).json() == []


def test_her_birth_date_and_gender_come_from_her_id_number_and_cannot_be_typed_otherwise(
    silent: TestClient,
) -> None:
    headers = login(silent, id_number=HER_ID)
    r = check(silent, headers, {**her_form(silent), "person.birth_date": "1970-01-01", "person.gender": "1"})
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert errors["person.birth_date"] == "locked" and errors["person.gender"] == "locked"
    ok = check(silent, headers, her_form(silent))
    assert ok.status_code == 200, ok.text


def test_the_departments_receive_the_id_number_of_the_token(silent: TestClient) -> None:
    headers = login(silent, id_number=HER_ID)
    r = silent.post(
        "/api/v1/applications",
        json={"theme_id": "hebei.flexible-employment", "form": her_form(silent), "facts": FACTS},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    with silent.app.state.sessions() as session:  # type: ignore[attr-defined]
        payloads = [
            p
            for p in session.execute(select(CaseItem.payload).where(CaseItem.case_id == r.json()["case_id"]))
        ]
    values = [str(v) for (payload,) in payloads for v in payload.values()]
    assert HER_ID in values
    assert "1992-05-06" in values


def test_an_employer_applies_only_under_its_own_credit_code(silent: TestClient) -> None:
    employers = silent.get("/api/v1/sandbox/employers", params={"limit": 50}).json()
    mine, other = employers[0]["uscc"], employers[1]["uscc"]
    headers = login(silent, uscc=mine)
    r = silent.post(
        "/api/v1/themes/zibo.unit-employment/check",
        json={"form": {"employer.uscc": other, "employees": [{}]}},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert errors["employer.uscc"] == "locked"
