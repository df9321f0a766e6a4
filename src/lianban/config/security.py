"""Security settings (安全设置): lock-outs, rate limits, the identity provider, what production shows.

Part of the one :class:`~lianban.config.Settings`: its ``security`` (:class:`SecurityPolicy`),
made from the variables below when the settings are built. The security room reads it from there
(the platform's settings); nothing here imports the security room.

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

| ``LIANBAN_OIDC_ISSUER`` | — (no OIDC login) | the province's identity provider's issuer URL (:mod:`lianban.security.oidc`) |
| ``LIANBAN_OIDC_CLIENT_ID`` / ``_CLIENT_SECRET`` | — | the platform's registration at the provider |
| ``LIANBAN_OIDC_REDIRECT_URL`` | ``{LIANBAN_PUBLIC_URL}/auth/oidc/callback`` | where the provider sends the browser back |
| ``LIANBAN_OIDC_SCOPES`` | ``openid profile`` | scopes asked for (``openid`` is always among them) |
| ``LIANBAN_OIDC_ID_NUMBER_CLAIM`` | ``id_number`` | the claim that carries a person's resident ID number |
| ``LIANBAN_OIDC_USCC_CLAIM`` | ``uscc`` | the claim that carries an employer's unified social credit code |

A rate is a ``limits`` string (``N per [M] second|minute|hour|day``); ``off`` turns that one off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from ipaddress import IPv4Network, IPv6Network, ip_network

from authlib.common.security import is_secure_transport
from limits import parse

from lianban.config.errors import ConfigError

VARIABLES = (  # the Settings fields these are read from (LIANBAN_ + the name in capitals)
    "login_lockout_failures",
    "login_lockout_minutes",
    "redis_url",
    "rate_limits",
    "rate_login_account",
    "rate_login_client",
    "rate_pickup_code",
    "rate_filing",
    "rate_upload",
    "api_docs",
    "metrics_token",
    "metrics_allow",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_redirect_url",
    "oidc_scopes",
    "oidc_id_number_claim",
    "oidc_uscc_claim",
)

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
class OidcSettings:
    """The province's identity provider (统一身份认证) and the platform's registration there."""

    issuer: str
    client_id: str
    client_secret: str | None
    redirect_url: str
    scopes: str = "openid profile"
    id_number_claim: str = "id_number"
    uscc_claim: str = "uscc"


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


def load_security_policy(env: Mapping[str, str], public_url: str) -> SecurityPolicy:
    """The security settings from ``env`` (``LIANBAN_*`` names: the settings' values); a malformed
    value is a :class:`ConfigError` naming its variable."""
    lockout = LockoutPolicy(
        failures=int(_positive(env, "LIANBAN_LOGIN_LOCKOUT_FAILURES", 5, integer=True)),
        minutes=_positive(env, "LIANBAN_LOGIN_LOCKOUT_MINUTES", 15.0),
    )
    return SecurityPolicy(
        lockout=lockout,
        rates=_rates(env),
        redis_url=env.get("LIANBAN_REDIS_URL") or None,
        oidc=load_oidc_settings(env, public_url),
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


def load_oidc_settings(env: Mapping[str, str], public_url: str) -> OidcSettings | None:
    """The provider's settings, or None when ``LIANBAN_OIDC_ISSUER`` is not set (no OIDC login)."""
    issuer = (env.get("LIANBAN_OIDC_ISSUER") or "").rstrip("/")
    if not issuer:
        return None
    client_id = env.get("LIANBAN_OIDC_CLIENT_ID") or ""
    if not client_id:
        raise ConfigError("LIANBAN_OIDC_CLIENT_ID must be set when LIANBAN_OIDC_ISSUER is")
    redirect = env.get("LIANBAN_OIDC_REDIRECT_URL") or f"{public_url.rstrip('/')}/auth/oidc/callback"
    for name, url in (("LIANBAN_OIDC_ISSUER", issuer), ("LIANBAN_OIDC_REDIRECT_URL", redirect)):
        if not is_secure_transport(url):
            raise ConfigError(f"{name} must be an https:// URL (http only on loopback), not {url!r}")
    scopes = env.get("LIANBAN_OIDC_SCOPES") or "openid profile"
    if "openid" not in scopes.split():
        scopes = f"openid {scopes}"
    return OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=env.get("LIANBAN_OIDC_CLIENT_SECRET") or None,
        redirect_url=redirect,
        scopes=scopes,
        id_number_claim=env.get("LIANBAN_OIDC_ID_NUMBER_CLAIM") or "id_number",
        uscc_claim=env.get("LIANBAN_OIDC_USCC_CLAIM") or "uscc",
    )
