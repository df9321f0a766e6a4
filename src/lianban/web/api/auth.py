"""The sandbox identity provider: POST /api/v1/auth/sandbox (sandbox mode only).

A person logs in with any checksum-valid resident ID number (the sandbox registry knows every
such number), an employer with a valid USCC, staff with a sandbox account (README lists them).
A real deployment uses its province's identity provider (OIDC) instead.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from ruamel.yaml import YAML

from lianban.forms.validate import validate_value
from lianban.security.tokens import DEFAULT_LIFETIME_SECONDS, Identity, Role, issue
from lianban.web.deps import clock_of
from lianban.web.problems import FieldError, Problem
from lianban.web.ratelimit import login_attempt

router = APIRouter(prefix="/api/v1/auth", tags=["sandbox"], dependencies=[Depends(login_attempt)])
STAFF_FILE = Path(__file__).resolve().parents[2] / "security" / "data" / "sandbox_staff.yaml"


class SandboxLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: str | None = None
    uscc: str | None = None
    username: str | None = None
    password: str | None = None


@lru_cache(maxsize=1)
def staff_accounts() -> list[dict[str, Any]]:
    accounts: list[dict[str, Any]] = YAML(typ="safe").load(STAFF_FILE.read_text(encoding="utf-8"))
    return accounts


def _refuse(field: str, code: str, zh: str, en: str, status: int = 422) -> Problem:
    title = (
        ("请求参数有误", "Invalid request") if status == 422 else ("未登录或凭证无效", "Not authenticated")
    )
    return Problem(status, title[0], title[1], zh, en, [FieldError(field, code, zh, en)])


def _checked(request: Request, key: str, value: str) -> str:
    definition = request.app.state.catalogue.fields[key]
    normalised, issues = validate_value(
        definition, value, today=clock_of(request).today(), code_lists=request.app.state.catalogue.code_lists
    )
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        field = key.split(".")[-1] if key != "employer.uscc" else "uscc"
        raise _refuse(field, errors[0].code, errors[0].message_zh, errors[0].message_en)
    return str(normalised)


@router.post("/sandbox", summary="Sandbox login: a person, an employer or a staff account")
def sandbox_login(request: Request, body: SandboxLogin) -> dict[str, Any]:
    given = [x for x in (body.id_number, body.uscc, body.username) if x]
    if len(given) != 1:
        raise _refuse(
            "id_number",
            "required",
            "请提供 id_number、uscc 或 username/password 之一",
            "give one of id_number, uscc or username/password",
        )
    if body.id_number:
        number = _checked(request, "person.id_number", body.id_number)
        identity = Identity(subject=f"person:{number}", role=Role.APPLICANT, id_number=number)
    elif body.uscc:
        code = _checked(request, "employer.uscc", body.uscc)
        identity = Identity(subject=f"employer:{code}", role=Role.EMPLOYER, uscc=code)
    else:
        account = next((a for a in staff_accounts() if a["username"] == body.username), None)
        if account is None or not hmac.compare_digest(str(account["password"]), body.password or ""):
            raise _refuse("password", "format", "用户名或密码错误", "wrong username or password", status=401)
        identity = Identity(
            subject=f"staff:{account['username']}",
            role=Role(account["role"]),
            name=account.get("name"),
            department=account.get("department"),
        )
    token = issue(identity, request.app.state.secret_key)
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": DEFAULT_LIFETIME_SECONDS,
        "role": identity.role.value,
    }
