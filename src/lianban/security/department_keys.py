"""Per-department keys (部门密钥): each department system shares a key ring of its own with lianban.

What lianban sends a department (pushes, status polls, the signed return address of a ``redirect``
item) is signed with that department's current key, and what a department sends back (callbacks,
returns from its site) is verified with that department's keys only — the tax system's key never
approves a public-security item.

Where the keys come from, the first source that names a department winning:

- ``LIANBAN_DEPARTMENT_KEYS`` = ``dept=kid:hex[,kid:hex…][;dept=…]`` (per department, the first key
  signs and the others still verify: rotation as in :class:`~lianban.security.signing.Keyring`);
- the deployment file: ``departments: {hrss: {base_url: …, signing_keys: "kid:hex,kid:hex"}}``;
- in sandbox mode only, a key derived for the department from the sandbox's own key
  (``LIANBAN_SIGNING_KEYS``, else one generated once into the data directory): HMAC-SHA256 of the
  department code, so the simulated departments and the platform agree without configuration.

Production has no derived keys: a department without a key of its own is refused at start when it
is configured, and its callbacks are refused (401) otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping

from lianban.config import ConfigError, Settings
from lianban.security.signing import Keyring, SignatureError, SigningKey, platform_keyring

VARIABLE = "LIANBAN_DEPARTMENT_KEYS"


def parse_keys(spec: str, where: str) -> list[tuple[str, bytes]]:
    """``kid:hex,kid:hex`` → ``[(kid, secret)]``, unchecked for length (the start checks say why)."""
    out: list[tuple[str, bytes]] = []
    for n, part in enumerate(p for p in spec.split(",") if p.strip()):
        key_id, sep, secret_hex = part.strip().partition(":")
        try:
            secret = bytes.fromhex(secret_hex.strip())
        except ValueError:
            sep = ""
        if not sep or not key_id or not secret:
            raise ConfigError(f"{where}: key {n + 1} is not kid:hex")
        out.append((key_id, secret))
    if not out:
        raise ConfigError(f"{where}: no key given")
    return out


def parse_department_keys(spec: str) -> dict[str, list[tuple[str, bytes]]]:
    """``LIANBAN_DEPARTMENT_KEYS`` → department → its keys (the first signs)."""
    out: dict[str, list[tuple[str, bytes]]] = {}
    for part in (p.strip() for p in spec.split(";")):
        if not part:
            continue
        department, sep, keys = part.partition("=")
        department = department.strip()
        if not sep or not department:
            raise ConfigError(f"{VARIABLE}: {department or part!r} is not dept=kid:hex[,kid:hex]")
        out[department] = parse_keys(keys, f"{VARIABLE}: {department}")
    return out


def configured_keys(settings: Settings) -> dict[str, tuple[str, list[tuple[str, bytes]]]]:
    """Department → (where its keys come from, its keys): the environment wins over the file."""
    found: dict[str, tuple[str, list[tuple[str, bytes]]]] = {}
    for department, endpoint in settings.departments.items():
        if endpoint.signing_keys:
            where = f"{settings.deployment_file}: departments.{department}.signing_keys"
            found[department] = (where, parse_keys(endpoint.signing_keys, where))
    for department, keys in parse_department_keys(settings.department_keys or "").items():
        found[department] = (f"{VARIABLE}: {department}", keys)
    return found


DEPARTMENT_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a department's code (hrss, medical_insurance …)
MAX_DERIVED = 64  # sandbox rings kept; the catalogue's departments are far fewer


def derived_key(master: SigningKey, department: str) -> SigningKey:
    """The sandbox's key for one department: HMAC-SHA256(master, department code)."""
    secret = hmac.new(master.secret, f"lianban department key:{department}".encode(), hashlib.sha256).digest()
    return SigningKey(f"{master.key_id}.{department}", secret)


class DepartmentKeys:
    """Each department's key ring; in a sandbox, rings derived on first use for any department."""

    def __init__(self, rings: Mapping[str, Keyring], sandbox_master: Keyring | None = None) -> None:
        self._rings = dict(rings)
        self._master = sandbox_master

    @classmethod
    def single(cls, keyring: Keyring, departments: Iterable[str]) -> DepartmentKeys:
        """One ring for the given departments (a test's or a tool's shortcut)."""
        return cls({department: keyring for department in departments})

    def get(self, department: str) -> Keyring | None:
        """The department's key ring, or None: nothing it signs is accepted."""
        ring = self._rings.get(department)
        if ring is None and self._master is not None and DEPARTMENT_CODE.fullmatch(department):
            master = self._master
            current = derived_key(master.current, department)
            previous = [derived_key(k, department) for k in map(master.get, master.key_ids[1:]) if k]
            ring = Keyring(current, previous)
            if len(self._rings) < MAX_DERIVED:  # a caller naming many departments grows nothing
                self._rings.setdefault(department, ring)
        return ring

    def for_department(self, department: str) -> Keyring:
        """The department's key ring; :class:`SignatureError` when it has none."""
        ring = self.get(department)
        if ring is None:
            raise SignatureError(f"no key for department {department}")
        return ring

    @property
    def departments(self) -> list[str]:
        """The departments with a key ring so far."""
        return sorted(self._rings)


def department_keys(settings: Settings) -> DepartmentKeys:
    """The deployment's department keys (:class:`ConfigError` for one that cannot be used; keys
    shorter than 32 bytes are the production start checks' to refuse, by name)."""
    rings: dict[str, Keyring] = {}
    for department, (_, keys) in _usable(configured_keys(settings)).items():
        signing = [SigningKey(kid, secret) for kid, secret in keys]
        rings[department] = Keyring(signing[0], signing[1:])
    master = platform_keyring(settings.data_dir, True, settings.signing_keys) if settings.sandbox else None
    return DepartmentKeys(rings, master)


def _usable(
    found: dict[str, tuple[str, list[tuple[str, bytes]]]],
) -> dict[str, tuple[str, list[tuple[str, bytes]]]]:
    for where, keys in found.values():
        ids = [kid for kid, _ in keys]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"{where}: a key id appears twice")
        for kid, secret in keys:
            try:
                SigningKey(kid, secret)
            except ValueError as exc:
                raise ConfigError(f"{where}: key {kid}: {exc}") from None
    return found


__all__ = [
    "VARIABLE",
    "DepartmentKeys",
    "configured_keys",
    "department_keys",
    "derived_key",
    "parse_department_keys",
    "parse_keys",
]
