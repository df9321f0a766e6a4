"""Sandbox sign-in for the pages (沙箱登录): whom one may try the platform as, and signing in.

The login provider comes from the sandbox extension (``lianban-sandbox``) in sandbox mode; the
page and ``POST /api/v1/auth/sandbox`` go through the same provider, so they check the same
things and give the same identity. Without a provider (production) there is nothing to list.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from lianban.extensions import LoginRefused
from lianban.security.tokens import Identity
from lianban.web.auth import login_provider, refused

KINDS = ("person", "employer", "staff")


def directory(request: Request) -> dict[str, list[dict[str, Any]]] | None:
    """The named sandbox people and employers (personas) and the staff accounts; None without a
    sandbox."""
    provider = login_provider(request)
    if provider is None:
        return None
    out: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for choice in provider.choices(limit=60):
        entry = {
            **choice.details,
            **choice.credentials,
            "name": choice.name,
            "description": choice.description,
        }
        entry.pop("password", None)  # the page says the sandbox password; it need not carry it
        out[choice.kind].append(entry)
    return out


def is_sandbox_staff(request: Request, username: str) -> bool:
    """Whether ``username`` is one of the sandbox's demo staff accounts (else: the platform's own)."""
    provider = login_provider(request)
    return provider is not None and any(
        c.kind == "staff" and c.credentials.get("username") == username for c in provider.choices()
    )


def sign_in(request: Request, kind: str, value: str, password: str = "") -> Identity:
    """The identity of a sandbox person (ID number), employer (USCC) or staff account; a 422 or
    401 :class:`~lianban.web.problems.Problem` naming the field otherwise."""
    provider = login_provider(request)
    if provider is None:
        raise LookupError("no sandbox login in this mode")
    if kind == "employer":
        credentials = {"uscc": value}
    elif kind == "staff":
        credentials = {"username": value, "password": password}
    else:
        credentials = {"id_number": value}
    try:
        return provider.login(credentials)
    except LoginRefused as refusal:
        raise refused(refusal) from None
