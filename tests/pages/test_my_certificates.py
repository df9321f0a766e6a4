"""我的办件 offers the e-certificates of a case to download (issue 17, point 9).

Seed 002 (淄博), 十、结果送达: “1.在线查询：用户可通过登录……“我的办件”进行查询” — the applicant finds the
results in 我的办件; the e-certificate of what an approved item issued is a link there, to the
signed PDF, for her only.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from lianban.cases.schema import Case, CaseItem
from lianban.certificates.service import issue_for_item
from sandbox_cases import file_hebei_case, hebei_worker_id


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_my_cases_links_the_signed_certificate_of_an_approved_item(browser_like: TestClient) -> None:
    client = browser_like
    case_id, _headers = file_hebei_case(client)
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    catalogue = client.app.state.catalogue  # type: ignore[attr-defined]
    with sessions() as session, session.begin():  # 人社 approves her employment registration
        case = session.get(Case, case_id)
        item = session.get(CaseItem, (case_id, "employment_registration"))
        item.status = "approved"
        item.result = {
            "document": "就业登记信息",
            "number": "130104202600000017",
            "issuer": "石家庄市桥西区人社局",
        }
        issue_for_item(session, case, item, catalogue.theme(case.theme_id), item.updated_at)
        case.status = "in_progress"

    client.headers["accept"] = "text/html"
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "csrf_token": _token(page.text),
            "kind": "person",
            "via": "type",
            "id_number": hebei_worker_id(client),
        },
    )
    mine = client.get("/my")
    assert mine.status_code == 200
    link = re.search(rf'href="(/my/cases/{case_id}/certificates/[A-Z0-9]+\.pdf)"[^>]*>([^<]+)<', mine.text)
    assert link, mine.text
    issued = catalogue.theme("hebei.flexible-employment").item("employment_registration").issues[0].name
    assert link.group(2) == f"下载{issued}（电子证照，PDF）"
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and b"/ByteRange" in pdf.content

    client.cookies.clear()  # someone else, logged out: sent to log in, no PDF
    assert client.get(link.group(1)).status_code == 303
