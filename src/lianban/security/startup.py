"""Start checks (启动检查): production refuses to start unsafe, and never prints a secret.

Before a production process serves or dispatches anything it checks:

- ``LIANBAN_SECRET_KEY`` (signs bearer tokens and page sessions) is set and at least 32 bytes;
- every department of the deployment file has keys of its own (``LIANBAN_DEPARTMENT_KEYS`` or
  ``departments.<dept>.signing_keys``), each at least 32 bytes, and the sandbox's one key ring
  (``LIANBAN_SIGNING_KEYS``) is not set;
- ``LIANBAN_DATA_KEYS`` (personal data at rest) is set and every key is its cipher's full size
  (AES-256-GCM: 32 bytes; SM4-GCM: 16, the size GB/T 32907 fixes);
- ``LIANBAN_CERTIFICATE_KEY`` and ``LIANBAN_CERTIFICATE_CERT`` (e-certificates) are set, readable
  and belong together (the API process only: it signs them);
- ``LIANBAN_LOOKUP_KEY`` (keyed hashes of identifiers kept for look-ups) is set, hex, at least 32
  bytes;
- the database schema is at the newest migration (``lianban migrate``, or ``serve --migrate``).

Every finding names its variable and says what is wrong — never the value. Database URLs are
shown with their password masked (:func:`masked_url`).
"""

from __future__ import annotations

import binascii
from collections.abc import Collection

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from lianban.config import ConfigError, Settings
from lianban.migrate import current_revision, head_revision

MIN_KEY_BYTES = 32


def masked_url(url: str) -> str:
    """The database URL with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL too broken to parse: show nothing of it
        return "<unparsable database URL>"


def _secret_problems(secret: str | None) -> list[str]:
    if not secret:
        return ["LIANBAN_SECRET_KEY is not set: production needs a random secret of at least 32 bytes"]
    size = len(secret.encode())
    if size < MIN_KEY_BYTES:
        return [f"LIANBAN_SECRET_KEY is {size} bytes long: it must be at least {MIN_KEY_BYTES} bytes"]
    return []


def _department_key_problems(settings: Settings) -> list[str]:
    """Every department in the deployment file has a key ring of its own, every key of at least
    32 bytes; the one key ring of all departments (``LIANBAN_SIGNING_KEYS``) is sandbox-only."""
    from lianban.security.department_keys import VARIABLE, configured_keys

    problems = []
    if settings.signing_keys:
        problems.append(
            f"LIANBAN_SIGNING_KEYS is the sandbox's: production gives each department its own keys "
            f"in {VARIABLE} (dept=kid:hex,…;…) or the deployment file (departments.<dept>.signing_keys)"
        )
    found = configured_keys(settings)
    for department in sorted(settings.departments):
        if department not in found:
            problems.append(
                f"{VARIABLE}: department {department} has no signing key "
                f"(set it there or in the deployment file: departments.{department}.signing_keys)"
            )
    for _, (where, keys) in sorted(found.items()):
        for key_id, secret in keys:
            if len(secret) < MIN_KEY_BYTES:
                problems.append(
                    f"{where}: key {key_id} is {len(secret)} bytes long: it must be at least {MIN_KEY_BYTES}"
                )
    return problems


def _lookup_key_problems(settings: Settings) -> list[str]:
    from lianban.security.lookup import MIN_BYTES, VARIABLE, read_key

    if not settings.lookup_key:
        return [f"{VARIABLE} is not set: production needs a hex key of at least {MIN_BYTES} bytes of its own"]
    try:
        size = len(read_key(settings.lookup_key))
    except ConfigError as exc:
        return [str(exc)]
    if size < MIN_BYTES:
        return [f"{VARIABLE} is {size} bytes long: it must be at least {MIN_BYTES} bytes"]
    return []


def _data_key_problems(settings: Settings) -> list[str]:
    from lianban.security.fieldcrypt import data_keyring

    try:
        data_keyring(settings.data_dir, False, settings.data_keys, settings.data_cipher)
    except (ConfigError, ValueError, binascii.Error) as exc:
        return [str(exc)]
    return []


def _certificate_problems(settings: Settings) -> list[str]:
    from lianban.security.pdfsign import platform_signer

    try:
        platform_signer(settings.data_dir, False, settings.certificate_key, settings.certificate_cert)
    except ConfigError as exc:
        return [str(exc)]
    return []


def key_problems(settings: Settings, tokens: bool = True, unchecked: Collection[str] = ()) -> list[str]:
    """What is unsafe about the keys of a production deployment (empty in sandbox mode).

    ``tokens=False`` leaves out the token secret (a dispatch worker signs no tokens); ``unchecked``
    names variables already reported otherwise (the command line names unset keys in one line)."""
    if settings.sandbox:
        return []
    certificates = not {"LIANBAN_CERTIFICATE_KEY", "LIANBAN_CERTIFICATE_CERT"} & set(unchecked)
    return [
        *(_secret_problems(settings.secret_key) if tokens and "LIANBAN_SECRET_KEY" not in unchecked else []),
        *_department_key_problems(settings),
        *(_lookup_key_problems(settings) if "LIANBAN_LOOKUP_KEY" not in unchecked else []),
        *(_data_key_problems(settings) if "LIANBAN_DATA_KEYS" not in unchecked else []),
        *(_certificate_problems(settings) if tokens and certificates else []),  # the API signs 电子证照
    ]


def require_safe_keys(settings: Settings, tokens: bool = True) -> None:
    """A :class:`ConfigError` listing every unsafe key setting of a production deployment."""
    problems = key_problems(settings, tokens)
    if problems:
        raise ConfigError("production refuses to start:\n  - " + "\n  - ".join(problems))


def schema_problem(engine: Engine, url: str) -> str | None:
    """Why the database is not ready for this code (unreachable, or not at the newest migration)."""
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        return f"the database {masked_url(url)} cannot be reached ({type(exc).__name__})"
    head = head_revision(url)
    if current != head:
        return (
            f"the database schema is at revision {current or 'none (empty database)'}, this code needs {head}: "
            "run `lianban migrate` first, or start with `lianban serve --migrate`"
        )
    return None


def refuse_unready_schema(engine: Engine, url: str) -> None:
    """A :class:`ConfigError` when the database cannot serve this code."""
    problem = schema_problem(engine, url)
    if problem:
        raise ConfigError(f"production refuses to start: {problem}")
