"""Configuration (配置) from the environment (12-factor) and the deployment file, read once at start.

One :class:`Settings` (pydantic-settings, prefix ``LIANBAN_``); a value that cannot be used is a
:class:`ConfigError` at start, naming the variable or the file and key it came from.

| variable | default | meaning |
| --- | --- | --- |
| ``LIANBAN_DATABASE_URL`` | ``sqlite:///./var/lianban.sqlite3`` | SQLAlchemy URL; ``postgresql+psycopg://…`` for scale |
| ``LIANBAN_MODE`` | ``production`` (``sandbox`` under ``lianban demo``) | sandbox turns on the synthetic registry, simulators and sandbox identity provider |
| ``LIANBAN_DEPLOYMENT_FILE`` | ``./deployment.yaml`` if present | department endpoints (base URL, key, timeouts) per department |
| ``LIANBAN_THEMES_DIR`` | the shipped themes | extra or replacement theme files of a deployment |
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
| ``LIANBAN_LOGIN_LOCKOUT_…``, ``LIANBAN_RATE_…``, ``LIANBAN_REDIS_URL`` | see :mod:`lianban.security.policy` | lock-outs, rate limits and what production shows |

The deployment file (YAML)::

    dispatch: {max_attempts: 8, base_delay_seconds: 2, max_delay_seconds: 600}
    delivery: {follow_up_working_days: 2, pickup_reminder_working_days: 5, max_follow_ups: 5}
    departments:
      hrss: {base_url: https://…, api_key: …, timeout_seconds: 10, signing_keys: "kid:hex,…"}
      tax: {base_url: https://…, status: poll, poll_interval_seconds: 60}   # no callbacks: poll

A department's ``api_key`` is sent with every request to it (``X-Api-Key``), its
``timeout_seconds`` bounds each of them, and its ``signing_keys`` sign what lianban sends it and
verify what it sends back (``LIANBAN_DEPARTMENT_KEYS`` wins for a department it names).

``status: poll`` is for a department system that cannot call back: the platform asks
``GET {base_url}/records/{receipt_no}`` every ``poll_interval_seconds`` until it has decided.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from ruamel.yaml import YAML

if TYPE_CHECKING:
    from lianban.security.policy import SecurityPolicy

PREFIX = "LIANBAN_"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


@dataclass(frozen=True)
class DepartmentEndpoint:
    """How one department system is reached (used by the connectors room)."""

    department: str
    base_url: str
    api_key: str | None = None  # sent as ``X-Api-Key`` with every request to the department
    timeout_seconds: float = 10.0
    status: str = "callback"  # callback | poll: how the platform learns of the department's decision
    poll_interval_seconds: float = 60.0
    signing_keys: str | None = None  # kid:hex,…: the key ring shared with this department (部门密钥)


@dataclass(frozen=True)
class RetryPolicy:
    """How dispatch retries a department that cannot take a sub-item now (重试策略)."""

    max_attempts: int = 8
    base_delay_seconds: float = 2.0
    max_delay_seconds: float = 600.0


@dataclass(frozen=True)
class DeliveryPolicy:
    """When the platform follows up what it delivered (送达跟踪), in working days."""

    follow_up_working_days: int = 2  # after posting: ask the courier whether it arrived
    pickup_reminder_working_days: int = 5  # after a pickup is ready: remind the applicant
    max_follow_ups: int = 5  # then staff are told (a timeline event) and follow-ups stop


class ConfigError(Exception):
    """Configuration that cannot be used, with the variable or file it comes from."""


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
    deployment_file: Path | None = None  # default: ./deployment.yaml if present
    secret_key: str | None = None  # LIANBAN_SECRET_KEY: signs tokens; required in production
    signing_keys: str | None = None  # LIANBAN_SIGNING_KEYS: sandbox only, the key department keys derive from
    department_keys: str | None = None  # LIANBAN_DEPARTMENT_KEYS: dept=kid:hex,…;… each department's own
    data_keys: str | None = None  # LIANBAN_DATA_KEYS: kid:base64key,… encrypt personal data at rest
    data_cipher: str | None = None  # LIANBAN_DATA_CIPHER: aes (default) or sm4
    lookup_key: str | None = None  # LIANBAN_LOOKUP_KEY: hex ≥ 32 bytes, keyed hashes of identifiers
    public_url: str | None = None  # LIANBAN_PUBLIC_URL: where departments call back
    # LIANBAN_THREADS: requests one API process works on at once (its thread pool; the rest wait on
    # the event loop). More threads than cores only trade the GIL between them, and a SQLite writer
    # holding its turn waits for the GIL behind each of them
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
    # lock-outs and rate limits (:mod:`lianban.security.policy` reads their variables)
    security_policy: Any = None

    @property
    def sandbox(self) -> bool:
        return self.mode is Mode.SANDBOX

    @property
    def security(self) -> SecurityPolicy:
        return cast("SecurityPolicy", self.security_policy)

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
        env = {f"{PREFIX}{name.upper()}": v for name, v in values.items() if v is not None}
        values["departments"] = load_deployment(dep_file) if dep_file else {}
        values["retry"], values["delivery"] = load_policies(dep_file, env)
        if values.get("security_policy") is None:
            values["security_policy"] = _security_policy(os.environ)
        for service in ("sms", "courier"):
            _gateway(values, service)
        values["audit_retention_days"] = int(
            _number("LIANBAN_AUDIT_RETENTION_DAYS", values.get("audit_retention_days") or 183, 183, True)
        )
        values["sheet_max_rows"] = int(
            _number("LIANBAN_SHEET_MAX_ROWS", values.get("sheet_max_rows") or 5000, 1, True)
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


def _security_policy(env: Mapping[str, str]) -> SecurityPolicy:
    from lianban.security.policy import load_security_policy  # it raises ConfigError from here

    return load_security_policy(env)


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'lianban.sqlite3'}"


def _read_yaml(path: Path) -> Any:
    try:
        return YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    except Exception as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _number(where: str, value: Any, minimum: float, integer: bool = False) -> float:
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where} must be a number, not {value!r}") from exc
    if number < minimum:
        raise ConfigError(f"{where} must be at least {minimum:g}, not {value!r}")
    return number


def load_policies(path: Path | None, env: Mapping[str, Any]) -> tuple[RetryPolicy, DeliveryPolicy]:
    """The ``dispatch:`` and ``delivery:`` sections of the deployment file; environment variables win."""
    doc: Any = _read_yaml(path) if path else {}
    section = doc.get("dispatch") or {}
    retry_values: dict[str, Any] = {}
    for name, variable, minimum, integer in (
        ("max_attempts", "LIANBAN_DISPATCH_MAX_ATTEMPTS", 1, True),
        ("base_delay_seconds", "LIANBAN_DISPATCH_BASE_DELAY_SECONDS", 0, False),
        ("max_delay_seconds", "LIANBAN_DISPATCH_MAX_DELAY_SECONDS", 0, False),
    ):
        if env.get(variable) not in (None, ""):
            retry_values[name] = _number(variable, env[variable], minimum, integer)
        elif name in section:
            retry_values[name] = _number(f"{path}: dispatch.{name}", section[name], minimum, integer)
    retry = RetryPolicy(**retry_values)
    if retry.max_delay_seconds < retry.base_delay_seconds:
        raise ConfigError("dispatch: max_delay_seconds must not be less than base_delay_seconds")
    section = doc.get("delivery") or {}
    delivery_values = {
        name: int(_number(f"{path}: delivery.{name}", section[name], 1, True))
        for name in ("follow_up_working_days", "pickup_reminder_working_days", "max_follow_ups")
        if name in section
    }
    return retry, DeliveryPolicy(**delivery_values)


def load_deployment(path: Path) -> dict[str, DepartmentEndpoint]:
    """Read the deployment file: ``departments: {hrss: {base_url, api_key, timeout_seconds, status}}``."""
    doc: Any = _read_yaml(path)
    out: dict[str, DepartmentEndpoint] = {}
    for dept, body in (doc.get("departments") or {}).items():
        if not isinstance(body, dict) or "base_url" not in body:
            raise ConfigError(f"{path}: departments.{dept} needs base_url")
        api_key = body.get("api_key")
        keys = body.get("signing_keys")
        if isinstance(keys, list):
            keys = ",".join(str(k) for k in keys)
        out[str(dept)] = DepartmentEndpoint(
            department=str(dept),
            base_url=str(body["base_url"]),
            api_key=str(api_key) if api_key not in (None, "") else None,
            timeout_seconds=_number(
                f"{path}: departments.{dept}.timeout_seconds", body.get("timeout_seconds", 10.0), 0.1
            ),
            status=_status_mode(path, str(dept), body.get("status", "callback")),
            poll_interval_seconds=_number(
                f"{path}: departments.{dept}.poll_interval_seconds",
                body.get("poll_interval_seconds", 60.0),
                1,
            ),
            signing_keys=str(keys) if keys not in (None, "") else None,
        )
    return out


def _status_mode(path: Path, dept: str, value: Any) -> str:
    if value not in ("callback", "poll"):
        raise ConfigError(f"{path}: departments.{dept}.status must be callback or poll, not {value!r}")
    return str(value)


_VARIABLES = tuple(
    name
    for name in Settings.model_fields
    if name not in ("departments", "retry", "delivery", "security_policy")
)


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
    mode: Mode | None = None,
) -> Settings:
    """Settings from the environment (or the mapping ``env``); explicit arguments (CLI options) win."""
    given: dict[str, Any] = {"security_policy": _security_policy(os.environ if env is None else env)}
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


__all__ = [
    "ConfigError",
    "DeliveryPolicy",
    "DepartmentEndpoint",
    "Mode",
    "RetryPolicy",
    "Settings",
    "default_database_url",
    "load_deployment",
    "load_policies",
    "load_settings",
]
