"""The sandbox's login (沙箱登录): a person by any checksum-valid resident ID number (the sandbox
registry knows every such number), an employer by a valid USCC, staff by a sandbox account.

A real deployment logs people in through its province's identity provider (OIDC) instead; this
provider exists only where the sandbox extension is installed and the mode is sandbox.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from lianban.catalog.catalogue import Catalogue
from lianban.extensions import LoginChoice, LoginRefused
from lianban.forms.validate import validate_value
from lianban.security.tokens import Identity, Role
from lianban_sandbox.registry import sandbox_employers, sandbox_people
from lianban_sandbox.staff import staff_accounts


class SandboxLogin:
    """Who one may be in the sandbox, and the identity each credential gives."""

    def __init__(self, catalogue: Catalogue, today: Callable[[], date]) -> None:
        self.catalogue = catalogue
        self.today = today

    def _checked(self, key: str, value: str, field: str) -> str:
        definition = self.catalogue.fields[key]
        normalised, issues = validate_value(
            definition, value, today=self.today(), code_lists=self.catalogue.code_lists
        )
        errors = [i for i in issues if i.severity == "error"]
        if errors:
            raise LoginRefused(field, errors[0].code, errors[0].message_zh, errors[0].message_en)
        return str(normalised)

    def login(self, credentials: Mapping[str, str]) -> Identity:
        id_number, uscc, username = (credentials.get(k) for k in ("id_number", "uscc", "username"))
        if len([x for x in (id_number, uscc, username) if x]) != 1:
            raise LoginRefused(
                "id_number",
                "required",
                "请提供 id_number、uscc 或 username/password 之一",
                "give one of id_number, uscc or username/password",
            )
        if id_number:
            number = self._checked("person.id_number", id_number, "id_number")
            return Identity(subject=f"person:{number}", role=Role.APPLICANT, id_number=number)
        if uscc:
            code = self._checked("employer.uscc", uscc, "uscc")
            return Identity(subject=f"employer:{code}", role=Role.EMPLOYER, uscc=code)
        account = next((a for a in staff_accounts() if a.username == username), None)
        password = credentials.get("password") or ""
        if account is None or not hmac.compare_digest(account.password, password):
            raise LoginRefused("password", "format", "用户名或密码错误", "wrong username or password", 401)
        return Identity(
            subject=f"staff:{account.username}",
            role=account.role,
            name=account.name,
            department=account.department,
        )

    def choices(self, limit: int = 20) -> Sequence[LoginChoice]:
        """The named personas (people and employers) and every staff account, to pick from; any
        other checksum-valid number logs in too, as a synthetic person or employer."""
        people = [
            LoginChoice("person", p["name"], {"id_number": p["id_number"]}, p["description"], p)
            for p in sandbox_people(limit=limit)
            if p.get("persona")
        ]
        employers = [
            LoginChoice("employer", e["name"], {"uscc": e["uscc"]}, e["description"], e)
            for e in sandbox_employers(limit=limit)
        ]
        staff = [
            LoginChoice(
                "staff",
                a.name,
                {"username": a.username, "password": a.password},
                a.role.value,
                {"role": a.role.value, "department": a.department},
            )
            for a in staff_accounts()
        ]
        return [*people, *employers, *staff]
