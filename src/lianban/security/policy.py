"""Security settings (安全设置) read from the environment: lock-outs, rate limits, what production shows.

| variable | default | meaning |
| --- | --- | --- |
| ``LIANBAN_LOGIN_LOCKOUT_FAILURES`` | ``5`` | wrong passwords in a row that lock a staff account |
| ``LIANBAN_LOGIN_LOCKOUT_MINUTES`` | ``15`` | how long the lock lasts (the right password is refused meanwhile) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from lianban.config import ConfigError


@dataclass(frozen=True)
class LockoutPolicy:
    """When repeated wrong passwords lock a staff account (账号锁定), and for how long."""

    failures: int = 5
    minutes: float = 15.0

    @property
    def period(self) -> timedelta:
        return timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class SecurityPolicy:
    """Everything the security room reads from the deployment's settings."""

    lockout: LockoutPolicy = LockoutPolicy()


def _positive(env: Mapping[str, str], name: str, default: float, integer: bool = False) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0, not {raw!r}")
    return value


def load_security_policy(env: Mapping[str, str]) -> SecurityPolicy:
    """The security settings from ``env``; a malformed value is a :class:`ConfigError` naming it."""
    lockout = LockoutPolicy(
        failures=int(_positive(env, "LIANBAN_LOGIN_LOCKOUT_FAILURES", 5, integer=True)),
        minutes=_positive(env, "LIANBAN_LOGIN_LOCKOUT_MINUTES", 15.0),
    )
    return SecurityPolicy(lockout=lockout)
