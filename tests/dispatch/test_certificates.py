"""E-certificates (电子证照) of a completed case (issue 17, point 9).

Seed 002 (淄博), 灵活就业 十、结果送达: “1.在线查询：用户可通过登录“爱山东”政务服务网“我的办件”进行查询” — the
results are found in 我的办件; seed 001 (湖北), 5: “就业创业证”、“流动人员人事档案调档函”、“档案材料转递通知单” are
what the items issue. Each is also a PDF signed by the platform (PAdES) with a QR code of its
public verification page, which says valid — and, once the issuing department revokes it, revoked.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
from dispatch_helpers import Platform, wait_until_finished
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from test_archive_order import file_zibo_archive_case

from lianban.dispatch.worker import Dispatcher
from lianban_sandbox.simulators import SimulatorFleet


def _verified(pdf: bytes, trusted_pem: Path) -> bool:
    """pyHanko's validation: the signature is intact, valid and chains to the platform's certificate."""
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(
        signature,
        ValidationContext(trust_roots=[load_cert_from_pemder(str(trusted_pem))], allow_fetching=False),
    )
    return bool(status.intact and status.valid and status.trusted and status.bottom_line)


def test_a_certificate_from_a_completed_case_verifies_and_is_revoked_by_its_department(
    world: tuple[Platform, SimulatorFleet, Dispatcher],
) -> None:
    platform, _fleet, dispatcher = world
    case_id, headers = file_zibo_archive_case(platform)
    (case,) = wait_until_finished(platform, [case_id], headers, 60, step=dispatcher.run_once)
    assert case["status"] == "completed"
    for _ in range(20):  # the certificates follow the item_decided events the worker takes
        dispatcher.run_once()
    listed = httpx.get(f"{platform.url}/api/v1/applications/{case_id}/certificates", headers=headers).json()
    documents = {c["document_name"]: c for c in listed}
    assert set(documents) == {"就业创业证（电子证）", "流动人员人事档案调档函", "档案材料转递通知单"}
    card = documents["就业创业证（电子证）"]
    registration = next(i for i in case["items"] if i["code"] == "employment_registration")
    assert card["number"] == registration["result"]["number"] and card["status"] == "valid"

    pdf = httpx.get(
        f"{platform.url}/api/v1/applications/{case_id}/certificates/{card['code']}.pdf", headers=headers
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    trusted = platform.data_dir / "sandbox-certificate.pem"  # the sandbox's self-signed signer
    assert _verified(pdf.content, trusted)
    # the same file every time, and a changed byte breaks the signature
    again = httpx.get(
        f"{platform.url}/api/v1/applications/{case_id}/certificates/{card['code']}.pdf", headers=headers
    )
    assert again.content == pdf.content
    tampered = bytearray(pdf.content)
    at = tampered.index(b"/Title")  # inside the signed byte range: the document's own title
    tampered[at + 8] ^= 0x01
    assert not _verified(bytes(tampered), trusted)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    verify_url = f"{platform.url}/verify/{card['code']}"
    assert verify_url in text.replace("\n", "")  # beside the QR code, which encodes it

    page = httpx.get(verify_url)
    assert page.status_code == 200 and "有效" in page.text and "已撤销" not in page.text
    assert card["number"] in page.text and case_id not in page.text  # its own fields, not the case
    assert re.search(r"持证人</dt><dd>[^<]*\*", page.text)  # the holder's name masked
    public = httpx.get(f"{platform.url}/api/v1/certificates/{card['code']}").json()
    assert public["status"] == "valid"

    someone = platform.headers(id_number="110101199003070011")
    assert (
        httpx.get(
            f"{platform.url}/api/v1/applications/{case_id}/certificates/{card['code']}.pdf", headers=someone
        ).status_code
        == 404
    )
    archives = platform.headers(username="archives", password="sandbox")
    refused = httpx.post(
        f"{platform.url}/api/v1/certificates/{card['code']}/revoke",
        json={"reason": "登记信息有误"},
        headers=archives,
    )
    assert refused.status_code == 404  # another department's certificate
    hrss = platform.headers(username="hrss", password="sandbox")
    revoked = httpx.post(
        f"{platform.url}/api/v1/certificates/{card['code']}/revoke",
        json={"reason": "就业登记信息有误，已注销"},
        headers=hrss,
    )
    assert revoked.status_code == 200, revoked.text
    page = httpx.get(verify_url)
    assert "已撤销" in page.text and "就业登记信息有误" in page.text
    assert httpx.get(f"{platform.url}/api/v1/certificates/{card['code']}").json()["status"] == "revoked"
    unknown = httpx.get(f"{platform.url}/verify/ABCDEFGHJKLMNPQRSTUV")
    assert unknown.status_code == 404 and "未找到该电子证照" in unknown.text
    assert httpx.get(f"{platform.url}/api/v1/certificates/ABCDEFGHJKLMNPQRSTUV").status_code == 404
