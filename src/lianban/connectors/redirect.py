"""The ``redirect`` connector: the applicant finishes the item on the department's own site (Hubei's
灵活就业人员社会保险费申报 on 湖北省电子税务局) and comes back with the result.

The platform sends the applicant to the site with a return address that it signs itself
(HMAC-SHA256 over the address, case, item and an expiry), so the department's site can check the
address is the platform's before sending anyone there — a link with a swapped-in return address
(an open redirect, a phishing page) is refused. The site sends the browser back to that address
with the outcome, signed with the shared keyring (HMAC-SHA256 over case, item, status and time). A
forged or stale return is refused; a repeated one changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

from lianban.connectors.plugins import ApplicantSent, Outcome, Sending, connector_for, register
from lianban.connectors.rest import DepartmentRefused
from lianban.security.signing import Keyring

MAX_AGE_SECONDS = 3600


class ReturnRefused(Exception):
    """A return whose signature, key or time does not check out."""


def _mac(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _check_mac(keyring: Keyring, key_id: str, message: bytes, signature: str, what: str) -> None:
    """Refuse ``what`` unless ``signature`` is the HMAC of ``message`` under a key of the ring."""
    key = keyring.get(key_id)
    if key is None:
        raise ReturnRefused(f"unknown key for {what}")
    if not hmac.compare_digest(_mac(key.secret, message), signature):
        raise ReturnRefused(f"bad signature on {what}")


def _message(case_id: str, item_id: str, status: str, ts: int) -> bytes:
    return f"{case_id}\n{item_id}\n{status}\n{ts}".encode()


def sign_return(
    keyring: Keyring, case_id: str, item_id: str, status: str, ts: int | None = None
) -> dict[str, str]:
    """The query parameters a department adds when it sends the applicant back."""
    key = keyring.current
    stamp = int(time.time()) if ts is None else ts
    sig = _mac(key.secret, _message(case_id, item_id, status, stamp))
    return {
        "case_id": case_id,
        "item_id": item_id,
        "status": status,
        "ts": str(stamp),
        "kid": key.key_id,
        "sig": sig,
    }


def verify_return(keyring: Keyring, params: dict[str, str], now: int | None = None) -> None:
    try:
        ts = int(params["ts"])
        message = _message(params["case_id"], params["item_id"], params["status"], ts)
        _check_mac(keyring, params["kid"], message, params.get("sig", ""), "the return")
    except (KeyError, ValueError) as exc:
        raise ReturnRefused("missing or malformed return parameters") from exc
    if abs((int(time.time()) if now is None else now) - ts) > MAX_AGE_SECONDS:
        raise ReturnRefused("the return is too old")


ADDRESS_VALID_SECONDS = 7 * 24 * 3600  # the applicant may follow the link within a week


def _address_message(return_to: str, case_id: str, item_id: str, expires: int) -> bytes:
    return f"return\n{return_to}\n{case_id}\n{item_id}\n{expires}".encode()


def sign_return_address(
    keyring: Keyring, return_to: str, case_id: str, item_id: str, now: int | None = None
) -> dict[str, str]:
    """The parameters that vouch for a return address (``rt_exp``, ``rt_kid``, ``rt_sig``)."""
    key = keyring.current
    expires = (int(time.time()) if now is None else now) + ADDRESS_VALID_SECONDS
    sig = _mac(key.secret, _address_message(return_to, case_id, item_id, expires))
    return {"rt_exp": str(expires), "rt_kid": key.key_id, "rt_sig": sig}


def verify_return_address(keyring: Keyring, params: dict[str, str], now: int | None = None) -> None:
    """What a department's site checks before sending the applicant to ``return_to``."""
    try:
        expires = int(params["rt_exp"])
        message = _address_message(params["return_to"], params["case_id"], params["item_id"], expires)
        _check_mac(keyring, params["rt_kid"], message, params.get("rt_sig", ""), "the return address")
    except (KeyError, ValueError) as exc:
        raise ReturnRefused("the return address is not signed") from exc
    if (int(time.time()) if now is None else now) > expires:
        raise ReturnRefused("the link has expired")


def redirect_url(
    site: str, platform_base: str, department: str, case_id: str, item_id: str, keyring: Keyring
) -> str:
    """Where the applicant goes: the department's site, told (signed) where to send the applicant back."""
    return_to = f"{platform_base.rstrip('/')}/api/v1/connectors/{department}/return"
    return f"{site.rstrip('/')}/declare?" + urlencode(
        {
            "case_id": case_id,
            "item_id": item_id,
            "return_to": return_to,
            **sign_return_address(keyring, return_to, case_id, item_id),
        }
    )


def returning_to(url: str, path: str, keyring: Keyring) -> str:
    """The hand-off ``url`` (:func:`redirect_url`'s, stored on the item) sending the applicant back
    to ``path`` on the same platform address instead (the 我的办件 page she started from), signed
    afresh as the API's return is; the API's link keeps its JSON return for integrators."""
    site, _, query = url.partition("?")
    params = dict(parse_qsl(query))
    case_id, item_id = params["case_id"], params["item_id"]
    return_to = urlsplit(params["return_to"])._replace(path=path, query="", fragment="").geturl()
    return f"{site}?" + urlencode(
        {
            "case_id": case_id,
            "item_id": item_id,
            "return_to": return_to,
            **sign_return_address(keyring, return_to, case_id, item_id),
        }
    )


@register("redirect")
class RedirectConnector:
    """The applicant is sent to the department's site with a signed return address; without a
    site configured for the department, sent as a ``rest`` item."""

    def send(self, sending: Sending) -> Outcome:
        if sending.redirect_site is None:
            return connector_for("rest").send(sending)
        if sending.keyring is None:
            raise DepartmentRefused(f"no signing key for department {sending.department}")
        url = redirect_url(
            sending.redirect_site,
            sending.platform_url,
            sending.department,
            sending.case_id,
            sending.item_id,
            sending.keyring,
        )
        return ApplicantSent(url)
