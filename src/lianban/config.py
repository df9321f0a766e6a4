"""Configuration from the environment (12-factor).

| variable | default | meaning |
| --- | --- | --- |
| ``LIANBAN_DATABASE_URL`` | ``sqlite:///./var/lianban.sqlite3`` | SQLAlchemy URL; ``postgresql+psycopg://…`` for scale |
| ``LIANBAN_MODE`` | ``production`` (``sandbox`` under ``lianban demo``) | sandbox turns on the synthetic registry, simulators and sandbox identity provider |
| ``LIANBAN_DEPLOYMENT_FILE`` | ``./deployment.yaml`` if present | department endpoints (base URL, key, timeouts) per department |
| ``LIANBAN_THEMES_DIR`` | the shipped themes | extra or replacement theme files of a deployment |
| ``LIANBAN_DATA_DIR`` | ``./var`` | uploads and local state |
| ``LIANBAN_SECRET_KEY`` | generated per sandbox | the key that signs bearer tokens; required in production |
| ``LIANBAN_PUBLIC_URL`` | ``http://127.0.0.1:8000`` | the platform's address as departments reach it (callbacks) |
| ``LIANBAN_SIGNING_KEYS`` | generated per sandbox | ``kid:hex,…`` keys that sign department exchanges; first signs, others verify |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


@dataclass(frozen=True)
class DepartmentEndpoint:
    """How one department system is reached (used by the connectors room)."""

    department: str
    base_url: str
    api_key: str | None = None
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class Settings:
    database_url: str
    mode: Mode
    data_dir: Path
    themes_dir: Path | None = None
    deployment_file: Path | None = None
    departments: dict[str, DepartmentEndpoint] = field(default_factory=dict)
    secret_key: str | None = None  # LIANBAN_SECRET_KEY: signs tokens; required in production
    signing_keys: str | None = None  # LIANBAN_SIGNING_KEYS: kid:hex,… signs department exchanges
    public_url: str = "http://127.0.0.1:8000"  # LIANBAN_PUBLIC_URL: where departments call back

    @property
    def sandbox(self) -> bool:
        return self.mode is Mode.SANDBOX


class ConfigError(Exception):
    """Configuration that cannot be used, with the variable or file it comes from."""


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'lianban.sqlite3'}"


def load_deployment(path: Path) -> dict[str, DepartmentEndpoint]:
    """Read the deployment file: ``departments: {hrss: {base_url, api_key, timeout_seconds}}``."""
    try:
        doc: Any = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    except Exception as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    out: dict[str, DepartmentEndpoint] = {}
    for dept, body in (doc.get("departments") or {}).items():
        if not isinstance(body, dict) or "base_url" not in body:
            raise ConfigError(f"{path}: departments.{dept} needs base_url")
        out[str(dept)] = DepartmentEndpoint(
            department=str(dept),
            base_url=str(body["base_url"]),
            api_key=body.get("api_key"),
            timeout_seconds=float(body.get("timeout_seconds", 10.0)),
        )
    return out


def load_settings(
    env: dict[str, str] | None = None,
    *,
    database_url: str | None = None,
    mode: Mode | None = None,
) -> Settings:
    """Settings from the environment; explicit arguments (CLI options) win."""
    e = dict(os.environ) if env is None else env
    data_dir = Path(e.get("LIANBAN_DATA_DIR", "var")).resolve()
    url = database_url or e.get("LIANBAN_DATABASE_URL") or default_database_url(data_dir)
    try:
        chosen_mode = mode or Mode(e.get("LIANBAN_MODE", Mode.PRODUCTION.value))
    except ValueError as exc:
        raise ConfigError(
            f"LIANBAN_MODE must be sandbox or production, not {e.get('LIANBAN_MODE')!r}"
        ) from exc
    themes_dir = Path(e["LIANBAN_THEMES_DIR"]) if e.get("LIANBAN_THEMES_DIR") else None
    dep_file: Path | None = None
    if e.get("LIANBAN_DEPLOYMENT_FILE"):
        dep_file = Path(e["LIANBAN_DEPLOYMENT_FILE"])
        if not dep_file.exists():
            raise ConfigError(f"LIANBAN_DEPLOYMENT_FILE: {dep_file} does not exist")
    elif Path("deployment.yaml").exists():
        dep_file = Path("deployment.yaml")
    departments = load_deployment(dep_file) if dep_file else {}
    return Settings(
        database_url=url,
        mode=chosen_mode,
        data_dir=data_dir,
        themes_dir=themes_dir,
        deployment_file=dep_file,
        departments=departments,
        secret_key=e.get("LIANBAN_SECRET_KEY") or None,
        signing_keys=e.get("LIANBAN_SIGNING_KEYS") or None,
        public_url=e.get("LIANBAN_PUBLIC_URL") or "http://127.0.0.1:8000",
    )
