"""``lianban staff`` — staff accounts (工作人员账号): add, list, disable, enable, passwd.

A password is read from a hidden prompt (typed twice) or, when standard input is not a terminal,
from its first line — never from an argument, which the shell history and ``ps`` would show.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from lianban.catalog.model import Department
from lianban.config import ConfigError, load_settings
from lianban.db import make_engine, session_factory
from lianban.security.staff import (
    Caller,
    StaffError,
    add_staff,
    list_staff,
    locked_until,
    set_disabled,
    set_password,
)

staff_app = typer.Typer(help="工作人员账号 — staff accounts", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL (default: LIANBAN_DATABASE_URL)")
]
OPERATOR = Caller(actor="operator:cli")


def read_password() -> str:
    """A hidden prompt on a terminal; the first line of standard input otherwise."""
    if sys.stdin.isatty():
        password: str = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\r\n")


def _in_transaction(database_url: str | None, work: Callable[[Session, datetime], None]) -> None:
    try:
        url = load_settings(database_url=database_url).database_url
    except ConfigError as exc:
        err.print(f"[red]配置错误 / configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session, session.begin():
            work(session, datetime.now(UTC))
    except StaffError as exc:
        err.print(f"[red]{exc.message_zh} / {exc.message_en}[/] ({exc.field})")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@staff_app.command("add")
def staff_add(
    username: Annotated[str, typer.Option(help="login name: lower-case letters, digits, . _ -")],
    role: Annotated[str, typer.Option(help="window_clerk, department_staff, supervisor or operator")],
    department: Annotated[str | None, typer.Option(help="department_staff: the department code")] = None,
    hall: Annotated[str | None, typer.Option(help="window_clerk: the service hall (大厅)")] = None,
    name: Annotated[str | None, typer.Option(help="the person's name, shown on pages")] = None,
    database_url: DbOpt = None,
) -> None:
    """Add a staff account; the password comes from a prompt or standard input."""
    password = read_password()

    def work(session: Session, now: datetime) -> None:
        add_staff(
            session,
            OPERATOR,
            username=username,
            role=role,
            password=password,
            departments=[d.value for d in Department],
            now=now,
            name=name,
            department=department,
            hall=hall,
        )

    _in_transaction(database_url, work)
    console.print(f"账号已创建 / account added: {username} ({role})")


@staff_app.command("list")
def staff_list(database_url: DbOpt = None) -> None:
    """List the staff accounts (never their passwords)."""
    rows: list[tuple[str, ...]] = []

    def work(session: Session, now: datetime) -> None:
        for a in list_staff(session):
            until = locked_until(a, now)
            state = (
                "disabled"
                if a.disabled
                else f"locked until {until:%Y-%m-%d %H:%M} UTC"
                if until
                else "active"
            )
            rows.append((a.username, a.name or "", a.role, a.department or "", a.hall or "", state))

    _in_transaction(database_url, work)
    table = Table("username", "name", "role", "department", "hall", "state")
    for row in rows:
        table.add_row(*row)
    console.print(table)


@staff_app.command("disable")
def staff_disable(username: str, database_url: DbOpt = None) -> None:
    """Disable an account: it can no longer log in."""
    _in_transaction(database_url, lambda s, now: set_disabled(s, OPERATOR, username, True, now))
    console.print(f"账号已停用 / account disabled: {username}")


@staff_app.command("enable")
def staff_enable(username: str, database_url: DbOpt = None) -> None:
    """Enable a disabled account again."""
    _in_transaction(database_url, lambda s, now: set_disabled(s, OPERATOR, username, False, now))
    console.print(f"账号已启用 / account enabled: {username}")


@staff_app.command("passwd")
def staff_passwd(username: str, database_url: DbOpt = None) -> None:
    """Set a new password (from a prompt or standard input); this also lifts a lock-out."""
    password = read_password()
    _in_transaction(database_url, lambda s, now: set_password(s, OPERATOR, username, password, now))
    console.print(f"密码已更新 / password set: {username}")
