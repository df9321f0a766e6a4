"""Signed bearer tokens (JWT, HS256 with PyJWT) carrying who the caller is and in which role.

The key comes from ``LIANBAN_SECRET_KEY``; a sandbox without one generates a random key once and
keeps it in the data directory, so tokens survive a restart of ``lianban demo``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt

ISSUER = "lianban"
ALGORITHM = "HS256"
DEFAULT_LIFETIME_SECONDS = 8 * 3600


class Role(StrEnum):
    APPLICANT = "applicant"  # 申请人（个人）
    EMPLOYER = "employer"  # 用人单位
    WINDOW_CLERK = "window_clerk"  # 综窗工作人员
    DEPARTMENT_STAFF = "department_staff"  # 部门经办人员
    SUPERVISOR = "supervisor"  # 监督人员
    OPERATOR = "operator"  # 运维人员


@dataclass(frozen=True)
class Identity:
    """Who is calling: a person (by ID number), an employer (by USCC) or a staff member."""

    subject: str
    role: Role
    name: str | None = None
    id_number: str | None = None
    uscc: str | None = None
    department: str | None = None
    hall: str | None = None  # a window clerk's service hall (政务服务大厅)


class TokenError(Exception):
    """A token that is missing, forged, expired or malformed."""


def secret_key(data_dir: Path, sandbox: bool, configured: str | None = None) -> str:
    """``configured`` (the settings' ``LIANBAN_SECRET_KEY``), else in a sandbox a key generated once
    into the data directory."""
    if configured:
        return configured
    if not sandbox:
        raise TokenError("LIANBAN_SECRET_KEY must be set in production mode")
    path = data_dir / "sandbox-secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def issue(identity: Identity, key: str, lifetime: int = DEFAULT_LIFETIME_SECONDS) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": identity.subject,
        "role": identity.role.value,
        "iat": now,
        "exp": now + lifetime,
    }
    for name in ("name", "id_number", "uscc", "department", "hall"):
        value = getattr(identity, name)
        if value is not None:
            claims[name] = value
    return jwt.encode(claims, key, algorithm=ALGORITHM)


VERIFIED_SECONDS = 30.0  # how long a verified token is taken from memory before it is checked again
VERIFIED_MAX = 4096  # tokens remembered at most (then forgotten all at once)


class _Verified:
    """Tokens this process verified lately (已验证令牌): a request's bearer token is checked once,
    then taken from memory — PyJWT's decode was a fifth of the CPU of reading one case.

    Kept by the SHA-256 of (key, token), never the token; each entry until the token's ``exp`` or
    :data:`VERIFIED_SECONDS`, whichever comes first, so an expired token is refused exactly as
    before and a replaced ``LIANBAN_SECRET_KEY`` matches no entry. Bearer tokens have no revocation
    list; one, when it comes, is checked after this (or forgets the entry) within the seconds above.
    """

    def __init__(self) -> None:
        self.entries: dict[bytes, tuple[Identity, float]] = {}
        self.lock = threading.Lock()

    @staticmethod
    def digest(token: str, key: str) -> bytes:
        return hashlib.sha256(f"{len(key)}:{key}:{token}".encode()).digest()

    def get(self, digest: bytes, now: float) -> Identity | None:
        found = self.entries.get(digest)
        return found[0] if found is not None and now < found[1] else None

    def put(self, digest: bytes, identity: Identity, expires: float, now: float) -> None:
        with self.lock:
            if len(self.entries) >= VERIFIED_MAX:
                self.entries.clear()
            self.entries[digest] = (identity, min(expires, now + VERIFIED_SECONDS))

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_verified = _Verified()


def _decode(token: str, key: str) -> tuple[Identity, float]:
    """The identity a token carries and its expiry (seconds since the epoch); TokenError if it is
    missing, forged, expired or malformed."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
        identity = Identity(
            subject=str(claims["sub"]),
            role=Role(claims["role"]),
            name=claims.get("name"),
            id_number=claims.get("id_number"),
            uscc=claims.get("uscc"),
            department=claims.get("department"),
            hall=claims.get("hall"),
        )
        return identity, float(claims["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise TokenError(str(exc)) from exc


def verify(token: str, key: str) -> Identity:
    """Who the token names; :class:`TokenError` when it is missing, forged, expired or malformed."""
    now = time.time()
    digest = _Verified.digest(token, key)
    found = _verified.get(digest, now)
    if found is not None:
        return found
    identity, expires = _decode(token, key)
    _verified.put(digest, identity, expires, now)
    return identity
