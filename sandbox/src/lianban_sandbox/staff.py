"""Sandbox staff accounts (沙箱工作人员账号): ``data/staff.yaml``, only in sandbox mode.

The passwords are public on purpose (the README lists them): this is the demo's login, never
production's. Production staff log in through the province's identity provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from lianban.security.tokens import Role

STAFF_FILE = Path(__file__).resolve().parent / "data" / "staff.yaml"


@dataclass(frozen=True)
class StaffAccount:
    username: str
    password: str
    role: Role
    name: str
    department: str | None = None


@lru_cache(maxsize=2)
def staff_accounts(path: Path = STAFF_FILE) -> tuple[StaffAccount, ...]:
    rows: list[dict[str, Any]] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return tuple(
        StaffAccount(
            username=str(row["username"]),
            password=str(row["password"]),
            role=Role(row["role"]),
            name=str(row["name"]),
            department=str(row["department"]) if row.get("department") else None,
        )
        for row in rows
    )
