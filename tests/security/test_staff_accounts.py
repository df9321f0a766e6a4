"""Staff accounts in the database (工作人员账号): created by `lianban staff add`, argon2-hashed, with
roles and places, disabled by an operator, logged in over the API in production — and audited."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from security_support import PRODUCTION_KEYS, ProductionApp
from sqlalchemy import select
from typer.testing import CliRunner

from lianban.cli.main import app as cli
from lianban.db import make_engine, session_factory
from lianban.migrate import upgrade
from lianban.security.schema import SecurityEvent, StaffAccount
from lianban.security.tokens import Role, verify

PASSWORD = "Hongshan-window-2026"


def lianban(database_url: str, *args: str, stdin: str = "") -> Result:
    """The command line in this process (CliRunner): standard input is not a terminal."""
    return CliRunner().invoke(
        cli, [*args, "--database-url", database_url], input=stdin, env={"COLUMNS": "200"}
    )


def lianban_process(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lianban.cli", *args, "--database-url", database_url],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )


def test_an_operator_adds_a_window_clerk_whose_password_is_never_shown(database_url: str) -> None:
    upgrade(database_url)
    added = lianban_process(
        database_url,
        "staff", "add", "--username", "li.hua", "--role", "window_clerk", "--hall", "wuhan-hongshan",
        "--name", "李华",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = lianban_process(database_url, "staff", "list")
    assert listed.returncode == 0, listed.stderr
    assert "li.hua" in listed.stdout and "wuhan-hongshan" in listed.stdout and "active" in listed.stdout
    for out in (added.stdout, added.stderr, listed.stdout, listed.stderr):
        assert PASSWORD not in out
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        account = session.get(StaffAccount, "li.hua")
        assert account is not None and account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash
        events = session.scalars(select(SecurityEvent)).all()
        assert [e.action for e in events] == ["staff_added"]
        assert PASSWORD not in repr([e.detail for e in events])
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--username", "wang", "--role", "department_staff"], "department"),
        (["--username", "wang", "--role", "department_staff", "--department", "moon"], "department"),
        (["--username", "wang", "--role", "window_clerk"], "hall"),
        (["--username", "wang", "--role", "applicant"], "role"),
        (["--username", "Wang Wu", "--role", "supervisor"], "username"),
    ],
)
def test_an_account_without_its_place_or_with_a_wrong_role_is_refused(
    sqlite_url: str, args: list[str], field: str
) -> None:
    upgrade(sqlite_url)
    r = lianban(sqlite_url, "staff", "add", *args, stdin=PASSWORD + "\n")
    assert r.exit_code == 1 and f"({field})" in r.output


def test_a_short_password_is_refused(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    r = lianban(sqlite_url, "staff", "add", "--username", "zhao", "--role", "supervisor", stdin="short\n")
    assert r.exit_code == 1 and "(password)" in r.output


def test_a_department_clerk_logs_in_in_production_and_the_login_is_audited(
    database_url: str, production_app: ProductionApp
) -> None:
    r = lianban(
        database_url, "staff", "add", "--username", "chen.tax", "--role", "department_staff",
        "--department", "tax", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    client = production_app()
    wrong = client.post("/api/v1/auth/staff", json={"username": "chen.tax", "password": "guess-guess-guess"})
    assert wrong.status_code == 401 and wrong.json()["errors"][0]["field"] == "password"
    ok = client.post("/api/v1/auth/staff", json={"username": "chen.tax", "password": PASSWORD})
    assert ok.status_code == 200, ok.text
    identity = verify(ok.json()["access_token"], client.app.state.secret_key)  # type: ignore[attr-defined]
    assert identity.role is Role.DEPARTMENT_STAFF and identity.department == "tax"
    assert identity.subject == "staff:chen.tax"
    worklist = client.get(
        "/api/v1/worklist",
        params={"department": "tax"},
        headers={"Authorization": f"Bearer {ok.json()['access_token']}"},
    )
    assert worklist.status_code == 200
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        events = session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).all()
        assert [(e.action, e.subject) for e in events] == [
            ("staff_added", "chen.tax"),
            ("staff_login_refused", "chen.tax"),
            ("staff_login", "chen.tax"),
        ]
        assert events[1].detail["reason"] == "wrong_password" and events[1].client
        assert "guess-guess-guess" not in repr([e.detail for e in events])
        assert PASSWORD not in repr([e.detail for e in events])
    engine.dispose()


def test_a_disabled_account_cannot_log_in_and_a_new_password_replaces_the_old(
    sqlite_url: str, tmp_path: Path
) -> None:
    upgrade(sqlite_url)
    assert (
        lianban(
            sqlite_url, "staff", "add", "--username", "sun", "--role", "supervisor", stdin=PASSWORD
        ).exit_code
        == 0
    )
    from fastapi.testclient import TestClient

    from lianban.config import Mode, load_settings
    from lianban.web.app import create_app

    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var"), **PRODUCTION_KEYS},
        database_url=sqlite_url,
        mode=Mode.PRODUCTION,
    )
    with TestClient(create_app(settings)) as client:
        assert (
            client.post("/api/v1/auth/staff", json={"username": "sun", "password": PASSWORD}).status_code
            == 200
        )
        assert lianban(sqlite_url, "staff", "disable", "sun").exit_code == 0
        assert "disabled" in lianban(sqlite_url, "staff", "list").output
        assert (
            client.post("/api/v1/auth/staff", json={"username": "sun", "password": PASSWORD}).status_code
            == 401
        )
        assert lianban(sqlite_url, "staff", "enable", "sun").exit_code == 0
        assert lianban(sqlite_url, "staff", "passwd", "sun", stdin="a-new-long-password\n").exit_code == 0
        assert (
            client.post("/api/v1/auth/staff", json={"username": "sun", "password": PASSWORD}).status_code
            == 401
        )
        ok = client.post("/api/v1/auth/staff", json={"username": "sun", "password": "a-new-long-password"})
        assert ok.status_code == 200 and ok.json()["role"] == "supervisor"


def test_production_never_knows_the_sandbox_accounts(production_app: ProductionApp) -> None:
    client = production_app()
    assert (
        client.post("/api/v1/auth/staff", json={"username": "window", "password": "sandbox"}).status_code
        == 401
    )
    assert (
        client.post("/api/v1/auth/sandbox", json={"username": "window", "password": "sandbox"}).status_code
        == 404
    )
