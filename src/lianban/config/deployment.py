"""The deployment file (部署文件, YAML): department endpoints, dispatch retries and delivery follow-ups.

dispatch: {max_attempts: 8, base_delay_seconds: 2, max_delay_seconds: 600}
delivery: {follow_up_working_days: 2, pickup_reminder_working_days: 5, max_follow_ups: 5}
departments:
  hrss: {base_url: https://…, api_key: …, timeout_seconds: 10, signing_keys: "kid:hex,…"}
  tax: {base_url: https://…, status: poll, poll_interval_seconds: 60}   # no callbacks: poll
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from lianban.config.errors import ConfigError


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


def read_yaml(path: Path) -> Any:
    try:
        return YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    except Exception as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def number(where: str, value: Any, minimum: float, integer: bool = False) -> float:
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where} must be a number, not {value!r}") from exc
    if number < minimum:
        raise ConfigError(f"{where} must be at least {minimum:g}, not {value!r}")
    return number


def load_policies(path: Path | None, env: Mapping[str, Any]) -> tuple[RetryPolicy, DeliveryPolicy]:
    """The ``dispatch:`` and ``delivery:`` sections of the deployment file; environment variables win."""
    doc: Any = read_yaml(path) if path else {}
    section = doc.get("dispatch") or {}
    retry_values: dict[str, Any] = {}
    for name, variable, minimum, integer in (
        ("max_attempts", "LIANBAN_DISPATCH_MAX_ATTEMPTS", 1, True),
        ("base_delay_seconds", "LIANBAN_DISPATCH_BASE_DELAY_SECONDS", 0, False),
        ("max_delay_seconds", "LIANBAN_DISPATCH_MAX_DELAY_SECONDS", 0, False),
    ):
        if env.get(variable) not in (None, ""):
            retry_values[name] = number(variable, env[variable], minimum, integer)
        elif name in section:
            retry_values[name] = number(f"{path}: dispatch.{name}", section[name], minimum, integer)
    retry = RetryPolicy(**retry_values)
    if retry.max_delay_seconds < retry.base_delay_seconds:
        raise ConfigError("dispatch: max_delay_seconds must not be less than base_delay_seconds")
    section = doc.get("delivery") or {}
    delivery_values = {
        name: int(number(f"{path}: delivery.{name}", section[name], 1, True))
        for name in ("follow_up_working_days", "pickup_reminder_working_days", "max_follow_ups")
        if name in section
    }
    return retry, DeliveryPolicy(**delivery_values)


def load_deployment(path: Path) -> dict[str, DepartmentEndpoint]:
    """Read the deployment file: ``departments: {hrss: {base_url, api_key, timeout_seconds, status}}``."""
    doc: Any = read_yaml(path)
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
            timeout_seconds=number(
                f"{path}: departments.{dept}.timeout_seconds", body.get("timeout_seconds", 10.0), 0.1
            ),
            status=_status_mode(path, str(dept), body.get("status", "callback")),
            poll_interval_seconds=number(
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
