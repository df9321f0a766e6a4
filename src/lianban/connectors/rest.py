"""The ``rest`` connector: push an item's payload to its department system, signed, idempotent.

The department answers with a receipt number (受理编号) and later calls back (signed) with its
decision — or, for a system that cannot call back, the platform asks for the record's status
(:func:`fetch_status`, ``GET /records/{receipt_no}``, signed the same way) until it is decided. The idempotency key is per sub-item, so a retry after a timeout never makes a second
department record.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from lianban.connectors.plugins import Outcome, Pushed, Sending, ToWorklist, register
from lianban.security.signing import Keyring, sign_request


@dataclass(frozen=True)
class Receipt:
    receipt_no: str
    status: str
    sha256: str = ""  # of the request body as sent: the exchange is logged by this hash
    key_id: str = ""


class DepartmentUnavailable(Exception):
    """The department could not take the request now (network, timeout, 5xx): retry later."""


class DepartmentRefused(Exception):
    """The department refused the request itself (4xx): retrying the same request will not help."""


API_KEY_HEADER = "X-Api-Key"
PHASE = 1 / 3  # of a send's deadline: httpx's connect, write, read (each read) and pool timeouts
# how long a send takes at most, in deadlines: the deadline, then the read under way at it
SEND_BOUND = 1 + PHASE


def _api_key(api_key: str | None) -> dict[str, str]:
    """The department's own access key (``api_key`` in the deployment file), when it gave one."""
    return {API_KEY_HEADER: api_key} if api_key else {}


def _exchange(
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_seconds: float,
    client: httpx.Client | None,
) -> httpx.Response:
    """One signed request within ``timeout_seconds`` all told; a network failure, a send past that
    deadline, 5xx or 429 is :class:`DepartmentUnavailable` (try again later), any other 4xx
    :class:`DepartmentRefused` (the same request will not do).

    httpx's timeouts are per phase and per read: each is a third of the deadline here, and the
    answer is read in chunks with the deadline checked before each, so a department answering a
    little at a time cannot hold the send (and the job's lease) much past it — at most the one
    read under way (:data:`SEND_BOUND`)."""
    deadline = time.monotonic() + timeout_seconds
    phase = httpx.Timeout(timeout_seconds * PHASE)
    http = client or httpx.Client(timeout=phase)
    try:
        with http.stream(method, url, content=body or None, headers=headers, timeout=phase) as streamed:
            raw = []
            for chunk in streamed.iter_raw():
                raw.append(chunk)
                if time.monotonic() > deadline:
                    raise DepartmentUnavailable(f"no whole answer within {timeout_seconds:g} s")
        response = httpx.Response(
            streamed.status_code, headers=streamed.headers, content=b"".join(raw), request=streamed.request
        )
    except httpx.HTTPError as exc:
        raise DepartmentUnavailable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        if client is None:
            http.close()
    if response.status_code >= 500 or response.status_code == 429:
        raise DepartmentUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
    if response.status_code >= 400:
        raise DepartmentRefused(f"HTTP {response.status_code}: {response.text[:500]}")
    return response


def push(
    base_url: str,
    keyring: Keyring,
    *,
    idempotency_key: str,
    envelope: dict[str, Any],
    timeout_seconds: float = 10.0,
    client: httpx.Client | None = None,
    api_key: str | None = None,
) -> Receipt:
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    path = "/records"
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": idempotency_key,
        **_api_key(api_key),
        **sign_request(keyring, "POST", path, body),
    }
    response = _exchange("POST", base_url.rstrip("/") + path, body, headers, timeout_seconds, client)
    data = response.json()
    return Receipt(
        receipt_no=str(data["receipt_no"]),
        status=str(data.get("status", "accepted")),
        sha256=headers["X-Lianban-Content-SHA256"],
        key_id=headers["X-Lianban-Key-Id"],
    )


def fetch_status(
    base_url: str,
    keyring: Keyring,
    receipt_no: str,
    *,
    timeout_seconds: float = 10.0,
    client: httpx.Client | None = None,
    api_key: str | None = None,
) -> dict[str, Any]:
    """The department's record of a sub-item: ``{"status", "sequence", "reason"?, "result"?}``."""
    path = f"/records/{quote(receipt_no, safe='')}"
    headers = {**_api_key(api_key), **sign_request(keyring, "GET", path, b"")}
    response = _exchange("GET", base_url.rstrip("/") + path, b"", headers, timeout_seconds, client)
    data = response.json()
    if not isinstance(data, dict):
        raise DepartmentRefused("the status answer is not an object")
    return data


@register("rest")
class RestConnector:
    """Pushed to the department system (then its callback or our status polls); without a system
    configured for the department, its staff decide in the worklist."""

    def send(self, sending: Sending) -> Outcome:
        if sending.url is None:
            return ToWorklist()
        if sending.keyring is None:  # production refuses to start so; a department added since stops here
            raise DepartmentRefused(f"no signing key for department {sending.department}")
        receipt = push(
            sending.url,
            sending.keyring,
            idempotency_key=sending.idempotency_key,
            envelope=sending.envelope,
            timeout_seconds=sending.timeout_seconds,
            client=sending.client,
            api_key=sending.api_key,
        )
        return Pushed(receipt.receipt_no, receipt.status, receipt.sha256, receipt.key_id)
