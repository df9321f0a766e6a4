"""The one :class:`Settings` (配置) from the environment (12-factor) and the deployment file, read once at start.

One :class:`Settings` (pydantic-settings, prefix ``LIANBAN_``); a value that cannot be used is a
:class:`ConfigError` at start, naming the variable or the file and key it came from.

| variable | default | meaning |
| --- | --- | --- |
| ``LIANBAN_DATABASE_URL`` | ``sqlite:///./var/lianban.sqlite3`` | SQLAlchemy URL; ``postgresql+psycopg://…`` for scale |
| ``LIANBAN_MODE`` | ``production`` (``sandbox`` under ``lianban demo``) | sandbox turns on the synthetic registry, simulators and sandbox identity provider |
| ``LIANBAN_DEPLOYMENT_FILE`` | ``./deployment.yaml`` if present | department endpoints (base URL, key, timeouts) per department |
| ``LIANBAN_THEMES_DIR`` | the shipped themes | extra or replacement theme files of a deployment |
| ``LIANBAN_REGIONS_FILE`` | the shipped ``forms/data/regions.yaml`` (placeholder wages) | the deployment's region figures: average wages, housing fund rounding and rate bounds (:mod:`lianban.forms.regions`) |
| ``LIANBAN_DATA_DIR`` | ``./var`` | uploads and local state |
| ``LIANBAN_SECRET_KEY`` | generated per sandbox | the key that signs bearer tokens; required in production |
| ``LIANBAN_PUBLIC_URL`` | ``http://HOST:PORT`` of ``lianban serve`` (``http://127.0.0.1:8000`` for ``lianban worker``) | the platform's address as departments reach it (callbacks, return addresses) |
| ``LIANBAN_DEPARTMENT_KEYS`` | derived per sandbox; required in production for each configured department | ``dept=kid:hex,…;dept=…`` each department's own keys (:mod:`lianban.security.department_keys`); first signs, others verify |
| ``LIANBAN_SIGNING_KEYS`` | generated per sandbox | sandbox only: ``kid:hex`` the simulated departments' keys are derived from; refused in production |
| ``LIANBAN_DATA_KEYS`` | generated per sandbox; required in production | ``kid:base64key,…`` keys that encrypt personal data at rest; first encrypts, all decrypt (``lianban data rekey``) |
| ``LIANBAN_LOOKUP_KEY`` | generated per sandbox; required in production | hex, ≥ 32 bytes: the HMAC key of identifiers kept for look-ups (:mod:`lianban.security.lookup`) |
| ``LIANBAN_DATA_CIPHER`` | ``aes`` | ``aes`` (AES-256-GCM, 32-byte keys) or ``sm4`` (SM4-GCM, GB/T 32907, 16-byte keys; needs OpenSSL with SM4) |
| ``LIANBAN_AUDIT_RETENTION_DAYS`` | ``183`` | days the audit log is kept, at least six months (``lianban audit prune``) |
| ``LIANBAN_SHEET_MAX_ROWS`` | ``5000`` | employees one uploaded employee sheet (员工花名册) may hold |
| ``LIANBAN_DISPATCH_MAX_ATTEMPTS`` | ``8`` (or ``dispatch.max_attempts`` in the deployment file) | sends of one sub-item before it is ``failed`` |
| ``LIANBAN_DISPATCH_BASE_DELAY_SECONDS`` | ``2`` (``dispatch.base_delay_seconds``) | first retry waits up to this; each later one doubles |
| ``LIANBAN_DISPATCH_MAX_DELAY_SECONDS`` | ``600`` (``dispatch.max_delay_seconds``) | the longest wait between two sends |
| ``LIANBAN_SMS_URL``, ``LIANBAN_SMS_KEY`` | none: no SMS | the province's SMS gateway (:mod:`lianban.notify.sms`); the key is required with the URL |
| ``LIANBAN_COURIER_URL``, ``LIANBAN_COURIER_KEY`` | none: posted letters are not booked or tracked | the postal partner (EMS/顺丰-style, :mod:`lianban.delivery.courier`); the key is required with the URL |
| ``LIANBAN_CERTIFICATE_KEY``, ``LIANBAN_CERTIFICATE_CERT`` | a self-signed pair made per sandbox; required in production | the PEM key and certificate (chain) that sign e-certificates (电子证照, :mod:`lianban.security.pdfsign`) |
| ``LIANBAN_LOGIN_LOCKOUT_…``, ``LIANBAN_RATE_…``, ``LIANBAN_REDIS_URL``, ``LIANBAN_OIDC_…``, ``LIANBAN_API_DOCS``, ``LIANBAN_METRICS_…`` | see :mod:`lianban.config.security` | lock-outs, rate limits, the identity provider and what production shows (``settings.security``) |

The deployment file: :mod:`lianban.config.deployment`; the security variables: :mod:`lianban.config.security`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lianban.config.deployment import (
    DeliveryPolicy,
    DepartmentEndpoint,
    RetryPolicy,
    load_deployment,
    load_policies,
    number,
)
from lianban.config.errors import ConfigError
from lianban.config.security import VARIABLES as SECURITY_VARIABLES
from lianban.config.security import SecurityPolicy, load_security_policy

PREFIX = "LIANBAN_"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Everything a deployment configures, built once at start (:mod:`lianban.bootstrap`).

    The environment gives the ``LIANBAN_*`` variables; the deployment file gives ``departments``,
    ``dispatch`` and ``delivery`` (environment variables win over the file's ``dispatch``).
    """

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore", case_sensitive=False
    )

    database_url: str = ""  # default: a SQLite file in data_dir
    mode: Mode = Mode.PRODUCTION
    data_dir: Path = Path("var")
    themes_dir: Path | None = None
    regions_file: Path | None = None  # LIANBAN_REGIONS_FILE: the deployment's region figures (地区参数)
    deployment_file: Path | None = None  # default: ./deployment.yaml if present
    secret_key: str | None = None  # LIANBAN_SECRET_KEY: signs tokens; required in production
    signing_keys: str | None = None  # LIANBAN_SIGNING_KEYS: sandbox only, the key department keys derive from
    department_keys: str | None = None  # LIANBAN_DEPARTMENT_KEYS: dept=kid:hex,…;… each department's own
    data_keys: str | None = None  # LIANBAN_DATA_KEYS: kid:base64key,… encrypt personal data at rest
    data_cipher: str | None = None  # LIANBAN_DATA_CIPHER: aes (default) or sm4
    lookup_key: str | None = None  # LIANBAN_LOOKUP_KEY: hex ≥ 32 bytes, keyed hashes of identifiers
    public_url: str | None = None  # LIANBAN_PUBLIC_URL: where departments call back
    # LIANBAN_THREADS: requests one API process works on at once (its one thread pool, filings
    # included; the rest wait on the event loop). Of these at most 2 (SQLite) or 4 (PostgreSQL)
    # file at once, a filing waiting its turn holding its thread (lianban.cases.filing_gate). More
    # threads than cores only trade the GIL between them, and a SQLite writer holding its turn waits
    # for the GIL behind each of them
    threads: int = 8
    sheet_max_rows: int = 5000  # LIANBAN_SHEET_MAX_ROWS: employees one uploaded sheet may hold
    audit_retention_days: int = 183  # LIANBAN_AUDIT_RETENTION_DAYS: ≥ 183 (six months, 网络安全法 art. 21)
    sms_url: str | None = None  # LIANBAN_SMS_URL: the SMS gateway (短信网关); none: no SMS
    sms_key: str | None = None  # LIANBAN_SMS_KEY: its bearer key
    courier_url: str | None = None  # LIANBAN_COURIER_URL: the postal partner (寄递); none: not booked
    courier_key: str | None = None  # LIANBAN_COURIER_KEY: its bearer key
    certificate_key: Path | None = None  # LIANBAN_CERTIFICATE_KEY: PEM key signing 电子证照
    certificate_cert: Path | None = None  # LIANBAN_CERTIFICATE_CERT: its PEM certificate (and chain)
    dispatch_max_attempts: int | None = None  # these three win over the file's dispatch: section
    dispatch_base_delay_seconds: float | None = None
    dispatch_max_delay_seconds: float | None = None
    log_format: Literal["json", "text"] = "json"  # LIANBAN_LOG_FORMAT: one JSON object a line, or text
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"  # LIANBAN_LOG_LEVEL
    # from the deployment file only
    departments: dict[str, DepartmentEndpoint] = Field(default_factory=dict)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)
    # lock-outs, rate limits, the identity provider, what production shows: the variables as given
    # (LIANBAN_LOGIN_LOCKOUT_FAILURES …, :mod:`lianban.config.security`), read as ``security``
    login_lockout_failures: str | None = None
    login_lockout_minutes: str | None = None
    redis_url: str | None = None
    rate_limits: str | None = None
    rate_login_account: str | None = None
    rate_login_client: str | None = None
    rate_pickup_code: str | None = None
    rate_filing: str | None = None
    rate_upload: str | None = None
    api_docs: str | None = None
    metrics_token: str | None = None
    metrics_allow: str | None = None
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_redirect_url: str | None = None
    oidc_scopes: str | None = None
    oidc_id_number_claim: str | None = None
    oidc_uscc_claim: str | None = None
    security: SecurityPolicy = Field(default_factory=SecurityPolicy)  # made from the variables above

    @property
    def sandbox(self) -> bool:
        return self.mode is Mode.SANDBOX

    def public_address(self, served_at: str | None = None) -> str:
        """The platform's address for departments: ``LIANBAN_PUBLIC_URL``, else where it is served."""
        return (self.public_url or served_at or DEFAULT_PUBLIC_URL).rstrip("/")

    @model_validator(mode="before")
    @classmethod
    def _resolve(cls, data: Any) -> Any:
        """Defaults that depend on other settings, and the deployment file, checked with the
        variable or file key named in every error."""
        values = dict(data) if isinstance(data, Mapping) else {}
        data_dir = Path(values.get("data_dir") or "var").resolve()
        values["data_dir"] = data_dir
        values["database_url"] = values.get("database_url") or default_database_url(data_dir)
        mode = values.get("mode") or Mode.PRODUCTION.value
        try:
            values["mode"] = Mode(mode)
        except ValueError as exc:
            raise ConfigError(f"LIANBAN_MODE must be sandbox or production, not {mode!r}") from exc
        dep_file: Path | None = None
        if values.get("deployment_file"):
            dep_file = Path(values["deployment_file"])
            if not dep_file.exists():
                raise ConfigError(f"LIANBAN_DEPLOYMENT_FILE: {dep_file} does not exist")
        elif Path("deployment.yaml").exists():
            dep_file = Path("deployment.yaml")
        values["deployment_file"] = dep_file
        if values.get("regions_file") and not Path(values["regions_file"]).is_file():
            # its figures are read and checked when the platform is built (lianban.forms.regions)
            raise ConfigError(f"LIANBAN_REGIONS_FILE: {values['regions_file']} is not a file")
        env = {f"{PREFIX}{name.upper()}": v for name, v in values.items() if v is not None}
        values["departments"] = load_deployment(dep_file) if dep_file else {}
        values["retry"], values["delivery"] = load_policies(dep_file, env)
        given = {
            f"{PREFIX}{name.upper()}": str(values[name]) for name in SECURITY_VARIABLES if values.get(name)
        }
        values["security"] = load_security_policy(given, str(values.get("public_url") or DEFAULT_PUBLIC_URL))
        for service in ("sms", "courier"):
            _gateway(values, service)
        values["audit_retention_days"] = int(
            number("LIANBAN_AUDIT_RETENTION_DAYS", values.get("audit_retention_days") or 183, 183, True)
        )
        values["sheet_max_rows"] = int(
            number("LIANBAN_SHEET_MAX_ROWS", values.get("sheet_max_rows") or 5000, 1, True)
        )
        return values


class _GivenSettings(Settings):
    """Settings from a given mapping of variables instead of the process environment (tests, tools)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _gateway(values: Mapping[str, Any], service: str) -> None:
    """An outside service's address is an http(s) URL and comes with its key."""
    url, key = values.get(f"{service}_url"), values.get(f"{service}_key")
    name = f"{PREFIX}{service.upper()}"
    if url and not str(url).startswith(("http://", "https://")):
        raise ConfigError(f"{name}_URL must be an http(s) URL, not {url!r}")
    if url and not key:
        raise ConfigError(f"{name}_KEY must be set with {name}_URL")
    if key and not url:
        raise ConfigError(f"{name}_URL must be set with {name}_KEY")


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'lianban.sqlite3'}"


_VARIABLES = tuple(
    name for name in Settings.model_fields if name not in ("departments", "retry", "delivery", "security")
)


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
    mode: Mode | None = None,
) -> Settings:
    """Settings from the environment (or the mapping ``env``); explicit arguments (CLI options) win."""
    given: dict[str, Any] = {}
    if database_url:
        given["database_url"] = database_url
    if mode is not None:
        given["mode"] = mode
    try:
        if env is None:
            return Settings(**given)
        from_env = {
            name: env[f"{PREFIX}{name.upper()}"] for name in _VARIABLES if env.get(f"{PREFIX}{name.upper()}")
        }
        return _GivenSettings(**{**from_env, **given})
    except ValidationError as exc:
        raise ConfigError("; ".join(_named(e) for e in exc.errors())) from None


def _named(error: Any) -> str:
    loc = error.get("loc") or ("settings",)
    return f"{PREFIX}{str(loc[0]).upper()}: {error.get('msg')}, not {error.get('input')!r}"


__all__ = ["DEFAULT_PUBLIC_URL", "PREFIX", "Mode", "Settings", "default_database_url", "load_settings"]
