"""The e-tax hand-off (跳转办理) for Hubei's 社保费申报: the platform signs the address it asks the
department's site to send the applicant back to, so a link whose return address was swapped (an
open redirect, a phishing page) is refused by the site; the site signs the result it sends back."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from fastapi.testclient import TestClient

from lianban.connectors.redirect import (
    ReturnRefused,
    redirect_url,
    sign_return_address,
    verify_return,
    verify_return_address,
)
from lianban.security.signing import Keyring, SigningKey

RING = Keyring(SigningKey("k2026", b"\x01" * 32))
PLATFORM = "https://lianban.hubei.gov.cn"


def link_params(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_the_link_carries_a_return_address_the_platform_signed() -> None:
    url = redirect_url(
        "https://etax.hubei.chinatax.gov.cn", PLATFORM, "tax", "C1", "si_fee_declaration", RING
    )
    params = link_params(url)
    assert params["return_to"] == f"{PLATFORM}/api/v1/connectors/tax/return"
    verify_return_address(RING, params)  # the site's check passes


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("return_to", "https://lianban-hubei.example.com/phish"),
        ("case_id", "C2"),
        ("item_id", "pension_enrolment"),
        ("rt_exp", "9999999999"),
        ("rt_kid", "unknown"),
    ],
)
def test_a_link_with_anything_swapped_is_refused(name: str, value: str) -> None:
    params = link_params(redirect_url("https://etax", PLATFORM, "tax", "C1", "si_fee_declaration", RING))
    params[name] = value
    with pytest.raises(ReturnRefused):
        verify_return_address(RING, params)


def test_an_old_link_is_refused() -> None:
    params = {"return_to": f"{PLATFORM}/r", "case_id": "C1", "item_id": "x"}
    params |= sign_return_address(RING, params["return_to"], "C1", "x", now=1_000_000)
    verify_return_address(RING, params, now=1_000_000 + 3600)
    with pytest.raises(ReturnRefused, match="expired"):
        verify_return_address(RING, params, now=1_000_000 + 8 * 24 * 3600)


def test_the_sandbox_e_tax_site_sends_no_one_to_an_address_the_platform_did_not_sign(
    client: TestClient,
) -> None:
    keyring = client.app.state.department_keys.for_department("tax")  # type: ignore[attr-defined]
    good = redirect_url(
        "http://testserver/api/v1/sandbox/etax", "http://testserver", "tax", "C1", "si", keyring
    )
    answer = client.get(urlsplit(good).path + "?" + urlsplit(good).query, follow_redirects=False)
    assert answer.status_code == 303
    back = link_params(answer.headers["location"])
    verify_return(keyring, back)  # the result it sends back is signed by the site
    assert answer.headers["location"].startswith("http://testserver/api/v1/connectors/tax/return?")

    forged = link_params(good) | {"return_to": "https://evil.example.com/steal"}
    refused = client.get("/api/v1/sandbox/etax/declare?" + urlencode(forged), follow_redirects=False)
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "返回地址" in refused.json()["title"]
    unsigned = {k: v for k, v in forged.items() if not k.startswith("rt_")}
    assert (
        client.get("/api/v1/sandbox/etax/declare?" + urlencode(unsigned), follow_redirects=False).status_code
        == 401
    )
