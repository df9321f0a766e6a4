"""Who may pre-check and print, and what they see (issue 14, point 1).

A Zibo employer hiring a man who lives in Zibo types his ID number and what the employer knows.
Data sharing knows his name, hukou and address; the employer's pre-check is checked with them, but
shows none of them before the employer has filed him, and only masked after. Nobody pre-checks
without logging in: the pre-check answered anyone with whatever data sharing held about any ID
number typed into an employee row.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from stdnum.cn import ric

from sandbox_cases import zibo_hire as hire_row
from support.login import login

CHECK = "/api/v1/themes/zibo.unit-employment/check"
PDF = "/api/v1/themes/zibo.unit-employment/application.pdf"


@pytest.fixture
def api(client: TestClient) -> TestClient:
    return client


def id_number(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def zibo_hire(api: TestClient) -> str:
    """A man living in Zibo who holds no Shandong card yet, from the sandbox registry."""
    hub = api.app.state.sharing  # type: ignore[attr-defined]
    for seq in range(101, 400, 2):
        number = id_number(f"37030319980412{seq:03d}")
        facts = hub.facts(id_number=number, province_code="370300")
        if facts.get("resident_in_province") and not facts.get("holds_social_card_in_province"):
            return number
    raise AssertionError("no hire found")


def hiring(number: str) -> dict[str, Any]:
    return {
        "employer.agent_name": "王芳",
        "employer.agent_id_number": id_number("37030319850101122"),
        "employer.agent_phone": "0533-2181234",
        "employees": [hire_row(number)],  # what the employer types for him
    }


def zibo_employer(api: TestClient) -> dict[str, str]:
    employers = api.get("/api/v1/sandbox/employers").json()
    uscc = next(e for e in employers if e.get("persona") == "zibo_employer_with_fund")["uscc"]
    return login(api, uscc=uscc)


def pdf_text(body: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages))


def test_nobody_pre_checks_or_prints_without_logging_in(api: TestClient) -> None:
    form = hiring(zibo_hire(api))
    for path in (CHECK, PDF):
        r = api.post(path, json={"form": form})
        assert r.status_code == 401, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


def test_staff_and_persons_do_not_pre_check_an_employers_hiring(api: TestClient) -> None:
    form = hiring(zibo_hire(api))
    staff = login(api, username="hrss", password="sandbox")
    assert api.post(CHECK, json={"form": form}, headers=staff).status_code == 403
    person = login(api, id_number=id_number("37030319900101002"))
    assert api.post(CHECK, json={"form": form}, headers=person).status_code == 403
    assert api.post(PDF, json={"form": form}, headers=person).status_code == 403


def test_the_employer_sees_no_shared_value_of_a_hire_it_has_not_filed_and_masked_ones_after(
    api: TestClient,
) -> None:
    number = zibo_hire(api)
    shared = api.app.state.sharing.prefill_person(number)  # type: ignore[attr-defined]
    name, hukou = str(shared["person.name"]), shared["person.hukou_address"]["detail"]
    employer = zibo_employer(api)
    form = hiring(number)

    before = api.post(CHECK, json={"form": form}, headers=employer)
    assert before.status_code == 200, before.text  # checked with data sharing: his values pass
    assert name not in before.text and hukou not in before.text
    printed = api.post(PDF, json={"form": form}, headers=employer)
    assert printed.status_code == 200
    assert name not in pdf_text(printed.content)

    filed = api.post(
        "/api/v1/applications", json={"theme_id": "zibo.unit-employment", "form": form}, headers=employer
    )
    assert filed.status_code == 201, filed.text

    after = api.post(CHECK, json={"form": form}, headers=employer)
    assert after.status_code == 200
    assert name not in after.text and hukou not in after.text
    masked = name[0] + "*" * (len(name) - 1)
    assert masked in after.text  # his, now the employer's employee: shown, masked

    other = login(api, uscc=api.get("/api/v1/sandbox/employers").json()[-1]["uscc"])
    theirs = api.post(CHECK, json={"form": form}, headers=other)
    assert name not in theirs.text and masked not in theirs.text  # filed by another employer
