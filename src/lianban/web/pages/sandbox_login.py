"""Sandbox sign-in for the pages (沙箱登录): whom one may try the platform as, and signing in.

The only sandbox-specific part of the pages, loaded by the login page in sandbox mode only; it
moves with the rest of the sandbox into its own package. Signing in goes through the API's
sandbox identity provider (``POST /api/v1/auth/sandbox``'s function), so a page login and an API
login check the same things and give the same identity.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from lianban.security.tokens import Identity, verify
from lianban.sharing.sandbox import sandbox_employers, sandbox_people
from lianban.web.api.auth import SandboxLogin, sandbox_login, staff_accounts

KINDS = ("person", "employer", "staff")


def directory() -> dict[str, list[dict[str, Any]]]:
    """The named sandbox people and employers (personas) and the staff accounts."""
    return {
        "person": [p for p in sandbox_people(limit=60) if p.get("persona")],
        "employer": sandbox_employers(limit=60),
        "staff": [
            {"username": a["username"], "name": a.get("name", a["username"]), "role": a["role"]}
            for a in staff_accounts()
        ],
    }


def is_sandbox_staff(username: str) -> bool:
    """Whether ``username`` is one of the sandbox's demo staff accounts (else: the platform's own)."""
    return any(a["username"] == username for a in staff_accounts())


def sign_in(request: Request, kind: str, value: str, password: str = "") -> Identity:
    """The identity of a sandbox person (ID number), employer (USCC) or staff account; a 422 or
    401 :class:`~lianban.web.problems.Problem` naming the field otherwise."""
    if kind == "employer":
        body = SandboxLogin(uscc=value)
    elif kind == "staff":
        body = SandboxLogin(username=value, password=password)
    else:
        body = SandboxLogin(id_number=value)
    token = sandbox_login(request, body)["access_token"]
    return verify(str(token), request.app.state.secret_key)
