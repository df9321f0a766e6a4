"""跳转办理 from 我的办件: the Wuhan graduate's 社保费申报 is done on the e-tax site (湖北省电子税务局).
Started from her case page, she comes back to that page, told the result was recorded — not to the
API's JSON answer, which stays the return of the link an integrator follows."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from lianban.cases.schema import CaseItem
from lianban.connectors.redirect import redirect_url
from sandbox_cases import WUHAN_GRADUATE, file_graduate_case, sandbox_person

PLATFORM = "http://testserver"


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_back_from_the_e_tax_site_she_lands_on_her_case_page_with_a_message(
    browser_like: TestClient,
) -> None:
    client = browser_like
    case_id, _ = file_graduate_case(client)
    app = client.app
    api_link = redirect_url(
        f"{PLATFORM}/api/v1/sandbox/etax",
        PLATFORM,
        "tax",
        case_id,
        "si_fee_declaration",
        app.state.platform.department_keys.get("tax"),  # type: ignore[attr-defined]
    )
    with app.state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        item = session.get(
            CaseItem, (case_id, "si_fee_declaration")
        )  # its turn came: as the worker leaves it
        item.status, item.result = "dispatched", {"redirect_url": api_link}

    client.headers["accept"] = "text/html"
    graduate = sandbox_person(client, WUHAN_GRADUATE, WUHAN_GRADUATE)
    client.post(
        "/login",
        data={
            "csrf_token": _token(client.get("/login").text),
            "kind": "person",
            "via": "type",
            "id_number": graduate["id_number"],
        },
    )
    page = client.get(f"/my/{case_id}")
    link = re.search(r'href="([^"]+)">前往部门网站办理', page.text)
    assert link and link.group(1) == f"/my/{case_id}/items/si_fee_declaration/department-site"

    to_site = client.get(link.group(1))  # to the e-tax site, told to send her back to her case
    assert to_site.status_code == 303 and to_site.headers["location"].startswith(
        f"{PLATFORM}/api/v1/sandbox/etax/"
    )
    asked = parse_qs(urlsplit(to_site.headers["location"]).query)
    assert asked["return_to"] == [f"{PLATFORM}/my/{case_id}/department-return/tax"]
    back = client.get(to_site.headers["location"])  # the site declares and sends her back, signed
    assert back.headers["location"].startswith(asked["return_to"][0] + "?")
    landed = client.get(back.headers["location"])
    assert landed.status_code == 303 and landed.headers["location"] == f"/my/{case_id}?done=department"
    page = client.get(landed.headers["location"])
    assert "您已从部门网站返回，办理结果已记入本办件。" in page.text
    assert "前往部门网站办理" not in page.text  # approved: nothing more to do there
    with app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.get(CaseItem, (case_id, "si_fee_declaration")).status == "approved"

    forged = back.headers["location"].replace("status=approved", "status=rejected")
    assert client.get(forged).status_code == 401  # a return its signature does not cover
    # the integrators' link is unchanged: its return is the API's JSON answer
    assert parse_qs(urlsplit(api_link).query)["return_to"] == [f"{PLATFORM}/api/v1/connectors/tax/return"]
