"""Security settings (安全设置) read from the environment: lock-outs, rate limits, what production shows.

| variable | default | meaning |
| --- | --- | --- |
| ``LIANBAN_LOGIN_LOCKOUT_FAILURES`` | ``5`` | wrong passwords in a row that lock a staff account |
| ``LIANBAN_LOGIN_LOCKOUT_MINUTES`` | ``15`` | how long the lock lasts (the right password is refused meanwhile) |
| ``LIANBAN_REDIS_URL`` | — | keep rate-limit counters in Redis (``redis://host:6379/0``) instead of the database |
| ``LIANBAN_RATE_LOGIN_ACCOUNT`` | ``10 per 15 minutes`` | login attempts for one account (username, ID number, USCC) |
| ``LIANBAN_RATE_LOGIN_CLIENT`` | ``100 per 15 minutes`` | login attempts from one client address (every kind of login) |
| ``LIANBAN_RATE_PICKUP_CODE`` | ``5 per hour`` | pickup codes tried against one delivery (窗口领取) |
| ``LIANBAN_RATE_FILING`` | ``60 per hour`` | applications filed by one caller |
| ``LIANBAN_RATE_UPLOAD`` | ``200 per hour`` | material uploads by one caller |
| ``LIANBAN_RATE_LIMITS`` | ``on`` | ``off`` turns every limit off (a load test of the platform itself) |
| ``LIANBAN_API_DOCS`` | ``off`` in production | ``on`` publishes the interactive ``/api/v1/docs`` (always on in sandbox mode); ``/api/v1/openapi.json``, the published contract, is always served |
| ``LIANBAN_METRICS_TOKEN`` | — | ``/metrics`` answers a scraper sending ``Authorization: Bearer <token>`` (16 bytes or more) |
| ``LIANBAN_METRICS_ALLOW`` | — | ``/metrics`` answers these addresses or networks (``10.0.0.0/8,192.0.2.7``) |

The province's identity provider (OIDC) is configured by ``LIANBAN_OIDC_…`` (:mod:`lianban.security.oidc`).
A rate is a ``limits`` string (``N per [M] second|minute|hour|day``); ``off`` turns that one off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from ipaddress import IPv4Network, IPv6Network, ip_network

from limits import parse

from lianban.config import ConfigError
from lianban.security.oidc import OidcSettings, load_oidc_settings

DEFAULT_RATES = {
    "login_account": "10 per 15 minutes",
    "login_client": "100 per 15 minutes",
    "pickup_code": "5 per hour",
    "filing": "60 per hour",
    "upload": "200 per hour",
}


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
    rates: Mapping[str, str | None] = field(default_factory=lambda: dict(DEFAULT_RATES))  # None: off
    redis_url: str | None = None  # rate-limit counters in Redis; in the database when None
    oidc: OidcSettings | None = None  # the province's identity provider (统一身份认证), when configured
    api_docs: bool = False  # production publishes its API docs only when asked to
    metrics_token: str | None = None
    metrics_allow: tuple[IPv4Network | IPv6Network, ...] = ()


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
    return SecurityPolicy(
        lockout=lockout,
        rates=_rates(env),
        redis_url=env.get("LIANBAN_REDIS_URL") or None,
        oidc=load_oidc_settings(env, env.get("LIANBAN_PUBLIC_URL") or "http://127.0.0.1:8000"),
        api_docs=_switch(env, "LIANBAN_API_DOCS", False),
        metrics_token=_metrics_token(env),
        metrics_allow=_networks(env, "LIANBAN_METRICS_ALLOW"),
    )


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in ("on", "off", "true", "false", "1", "0"):
        raise ConfigError(f"{name} must be on or off, not {raw!r}")
    return raw in ("on", "true", "1")


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = env.get("LIANBAN_METRICS_TOKEN") or None
    if token is not None and len(token.encode()) < 16:
        raise ConfigError("LIANBAN_METRICS_TOKEN must be at least 16 bytes long")
    return token


def _networks(env: Mapping[str, str], name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    out = []
    for part in (env.get(name) or "").split(","):
        if part.strip():
            try:
                out.append(ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise ConfigError(f"{name}: {part.strip()!r} is not an address or network") from exc
    return tuple(out)


def _rates(env: Mapping[str, str]) -> dict[str, str | None]:
    switch = (env.get("LIANBAN_RATE_LIMITS") or "on").lower()
    if switch not in ("on", "off"):
        raise ConfigError(f"LIANBAN_RATE_LIMITS must be on or off, not {switch!r}")
    rates: dict[str, str | None] = {}
    for rule, default in DEFAULT_RATES.items():
        variable = f"LIANBAN_RATE_{rule.upper()}"
        rate = (env.get(variable) or default).strip()
        if switch == "off" or rate.lower() == "off":
            rates[rule] = None
            continue
        try:
            parse(rate)
        except ValueError as exc:
            raise ConfigError(f"{variable} must be like '10 per 15 minutes' or 'off', not {rate!r}") from exc
        rates[rule] = rate
    return rates
