"""Staff accounts (工作人员账号): created by an operator, logged in with a password, locked when guessed.

Passwords are hashed with argon2id (argon2-cffi, its recommended parameters); a hash made under
older parameters is replaced at the next good login. Repeated wrong passwords lock the account
for the lock-out period (:class:`~lianban.config.LockoutPolicy`) — the right password is
refused until the lock ends. Every login, refused login, lock-out and account change is written
to the security log without the password. An unknown username costs the same hashing work as a
known one, so timing does not tell which usernames exist.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianban.config import LockoutPolicy
from lianban.security.schema import SecurityEvent, StaffAccount
from lianban.security.tokens import Identity, Role

STAFF_ROLES = (Role.WINDOW_CLERK, Role.DEPARTMENT_STAFF, Role.SUPERVISOR, Role.OPERATOR)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
MIN_PASSWORD_LENGTH = 12
hasher = PasswordHasher()


class StaffError(Exception):
    """An account operation refused, naming the field (zh + en)."""

    def __init__(self, field: str, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.field, self.code = field, code
        self.message_zh, self.message_en = message_zh, message_en


class LoginFailed(Exception):
    """A staff login refused. ``locked_until`` is set while the account is locked."""

    def __init__(self, reason: str, locked_until: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason  # unknown | wrong_password | disabled | locked
        self.locked_until = locked_until


@dataclass(frozen=True)
class Caller:
    """Who changes accounts or logs in: an actor name and the client address (for the log)."""

    actor: str
    client: str | None = None


def _aware(at: datetime | None) -> datetime | None:
    """SQLite gives datetimes back naive; they are UTC."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def log_event(
    session: Session,
    at: datetime,
    caller: Caller,
    action: str,
    subject: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the security log (安全审计). Never pass a password in ``detail``."""
    session.add(
        SecurityEvent(
            at=at,
            actor=caller.actor,
            action=action,
            subject=subject,
            client=caller.client,
            detail=detail or {},
        )
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(
            "password",
            "too_short",
            f"密码至少 {MIN_PASSWORD_LENGTH} 个字符",
            f"the password needs at least {MIN_PASSWORD_LENGTH} characters",
        )


def _check_placement(
    role: Role, department: str | None, hall: str | None, departments: Collection[str]
) -> None:
    if role is Role.DEPARTMENT_STAFF and not department:
        raise StaffError(
            "department", "required", "部门经办人员须指定部门", "department staff need a department"
        )
    if department and department not in departments:
        raise StaffError(
            "department", "code_list", f"未知部门：{department}", f"unknown department: {department}"
        )
    if role is Role.WINDOW_CLERK and not hall:
        raise StaffError("hall", "required", "综窗工作人员须指定大厅", "window clerks need a hall")
    if department and role is not Role.DEPARTMENT_STAFF:
        raise StaffError(
            "department",
            "unknown",
            "只有部门经办人员属于部门",
            "only department staff belong to a department",
        )
    if hall and role is not Role.WINDOW_CLERK:
        raise StaffError("hall", "unknown", "只有综窗工作人员属于大厅", "only window clerks belong to a hall")


def add_staff(
    session: Session,
    caller: Caller,
    *,
    username: str,
    role: str,
    password: str,
    departments: Collection[str],
    now: datetime,
    name: str | None = None,
    department: str | None = None,
    hall: str | None = None,
) -> StaffAccount:
    """Create an account; its role decides whether it needs a department or a hall."""
    if not USERNAME.fullmatch(username):
        raise StaffError(
            "username",
            "format",
            "用户名为 2–64 位小写字母、数字、点、下划线或连字符",
            "a username is 2–64 lower-case letters, digits, dots, underscores or hyphens",
        )
    try:
        chosen = Role(role)
    except ValueError:
        chosen = None
    if chosen not in STAFF_ROLES or chosen is None:
        allowed = ", ".join(r.value for r in STAFF_ROLES)
        raise StaffError(
            "role", "code_list", f"角色须为 {allowed} 之一", f"the role must be one of {allowed}"
        )
    _check_placement(chosen, department, hall, departments)
    check_password(password)
    if session.get(StaffAccount, username) is not None:
        raise StaffError("username", "conflict", f"用户名 {username} 已存在", f"username {username} is taken")
    account = StaffAccount(
        username=username,
        name=name,
        role=chosen.value,
        department=department,
        hall=hall,
        password_hash=hasher.hash(password),
        disabled=False,
        failed_logins=0,
        locked_until=None,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    log_event(session, now, caller, "staff_added", username, {"role": chosen.value})
    return account


def list_staff(session: Session) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).order_by(StaffAccount.username)))


def _account(session: Session, username: str) -> StaffAccount:
    account = session.get(StaffAccount, username, with_for_update=True)
    if account is None:
        raise StaffError("username", "not_found", f"没有账号 {username}", f"no account {username}")
    return account


def set_disabled(session: Session, caller: Caller, username: str, disabled: bool, now: datetime) -> None:
    """Disable an account (it can no longer log in) or enable it again."""
    account = _account(session, username)
    account.disabled = disabled
    account.updated_at = now
    log_event(session, now, caller, "staff_disabled" if disabled else "staff_enabled", username)


def set_password(session: Session, caller: Caller, username: str, password: str, now: datetime) -> None:
    """Give an account a new password; this also lifts a lock-out."""
    check_password(password)
    account = _account(session, username)
    account.password_hash = hasher.hash(password)
    account.failed_logins = 0
    account.locked_until = None
    account.updated_at = now
    log_event(session, now, caller, "staff_password_set", username)


def locked_until(account: StaffAccount, now: datetime) -> datetime | None:
    until = _aware(account.locked_until)
    return until if until is not None and until > now else None


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return hasher.hash("no such account: the same work as a real one")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    session: Session, caller: Caller, username: str, password: str, now: datetime, lockout: LockoutPolicy
) -> Identity:
    """A staff login (工作人员登录): the identity, or :class:`LoginFailed` — written to the log either way.

    The caller commits the session whatever the outcome, so counts, locks and log entries stay.
    """
    account = (
        session.get(StaffAccount, username, with_for_update=True) if USERNAME.fullmatch(username) else None
    )
    if account is None:
        _verify(_decoy_hash(), password)
        log_event(session, now, caller, "staff_login_refused", username[:100], {"reason": "unknown"})
        raise LoginFailed("unknown")
    until = locked_until(account, now)
    if until is not None:
        log_event(session, now, caller, "staff_login_refused", username, {"reason": "locked"})
        raise LoginFailed("locked", until)
    if not _verify(account.password_hash, password):
        account.failed_logins += 1
        detail: dict[str, Any] = {"reason": "wrong_password", "failures": account.failed_logins}
        log_event(session, now, caller, "staff_login_refused", username, detail)
        if account.failed_logins >= lockout.failures:
            account.locked_until = now + lockout.period
            account.failed_logins = 0
            log_event(
                session, now, caller, "staff_locked", username, {"until": account.locked_until.isoformat()}
            )
            raise LoginFailed("locked", account.locked_until)
        raise LoginFailed("wrong_password")
    if account.disabled:
        log_event(session, now, caller, "staff_login_refused", username, {"reason": "disabled"})
        raise LoginFailed("disabled")
    account.failed_logins = 0
    if hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hasher.hash(password)
    log_event(session, now, caller, "staff_login", username)
    return Identity(
        subject=f"staff:{account.username}",
        role=Role(account.role),
        name=account.name,
        department=account.department,
        hall=account.hall,
    )
