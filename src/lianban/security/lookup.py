"""Identifiers kept as keyed hashes (查询标识带密钥散列): whose case it is, who filed it, who
uploaded a file, who an audit entry names.

The platform finds rows by these identifiers (我的办件, an upload's owner, the audit entries of one
person), so they cannot simply be encrypted (AES-GCM is randomised; the same ID number seals
differently each time). They are stored as HMAC-SHA256 under a key of their own —
``LIANBAN_LOOKUP_KEY``, hex, at least 32 bytes, never a data key, so a leaked database without the
key gives no ID number even to one who tries every ID number there is — and beside each, in a
column of its own, the identifier encrypted like the form (``*_sealed``), for the few places that
must show it (a receipt, a masked number at the window).

:class:`LookupHash` is the column type: a plain identifier bound to it (in an INSERT or in a
``WHERE owner = :subject``) is hashed on the way; what reads back is a :class:`LookupDigest`, a
``str`` that compares equal to the plain identifier it was made from (``case.owner ==
identity.subject`` holds for her own case) and to its own digest. The key is the engine's: the
platform attaches it where it builds its engine (:func:`use_lookup_key`, :mod:`lianban.security.bound`),
the column type reads it from the dialect it is handed, and a digest carries the key it was made
under, so it compares with plain identifiers under that key only.

A sandbox without the variable generates a key once into the data directory.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, String
from sqlalchemy.types import TypeDecorator

from lianban.config import ConfigError, Settings
from lianban.security.bound import Bind, KeysMissing, attach, attached

VARIABLE = "LIANBAN_LOOKUP_KEY"
MIN_BYTES = 32
_DIGEST = re.compile(r"\A[0-9a-f]{64}\Z")


def read_key(spec: str) -> bytes:
    """``LIANBAN_LOOKUP_KEY``'s bytes (hex); :class:`ConfigError` naming the variable otherwise."""
    try:
        key = bytes.fromhex(spec.strip())
    except ValueError:
        raise ConfigError(f"{VARIABLE} must be hex (at least {MIN_BYTES} bytes)") from None
    if not key:
        raise ConfigError(f"{VARIABLE} is empty")
    return key


def lookup_key_of(settings: Settings) -> bytes:
    """The deployment's lookup key; in a sandbox without one, generated once into the data directory."""
    if settings.lookup_key:
        return read_key(settings.lookup_key)
    if not settings.sandbox:
        raise ConfigError(f"{VARIABLE} must be set in production mode (hex, at least {MIN_BYTES} bytes)")
    path = Path(settings.data_dir) / "sandbox-lookup.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_hex(32))
        try:  # link, not rename: when the API and a worker start together, the first key made wins
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return read_key(path.read_text(encoding="utf-8"))


def use_lookup_key(engine: Engine | Connection, key: bytes) -> None:
    """Give ``engine``'s look-up columns this key (the platform does, where it builds its engine)."""
    attach(engine, "lookup", key)


def lookup_key(bind: Bind) -> bytes:
    """The lookup key of ``bind``'s engine; ``KeysMissing`` when its engine was given none."""
    key = attached(bind, "lookup", VARIABLE)
    assert isinstance(key, bytes)
    return key


class LookupDigest(str):
    """A stored identifier's digest; equal to the plain identifier it was made from (under ``key``,
    the key it was made or read under; a digest without one compares as the text it is)."""

    key: bytes | None

    def __new__(cls, digest: str, key: bytes | None = None) -> LookupDigest:
        made = super().__new__(cls, digest)
        made.key = key
        return made

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str) and not isinstance(other, LookupDigest) and not is_digest(other):
            if self.key is None:
                return False
            other = keyed_hash(self.key, other)
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__


def is_digest(value: object) -> bool:
    return isinstance(value, LookupDigest) or (isinstance(value, str) and bool(_DIGEST.match(value)))


def keyed_hash(key: bytes, identifier: str) -> str:
    # hmac.digest: OpenSSL's one-shot HMAC, the same bytes as hmac.new(…).digest() without
    # building the Python HMAC object (a filing hashes half a dozen identifiers)
    return hmac.digest(key, identifier.encode("utf-8"), "sha256").hex()


def lookup_hash(identifier: str, bind: Bind | bytes) -> LookupDigest:
    """HMAC-SHA256 of an identifier under the lookup key of ``bind``'s engine (or the key given);
    a digest stays as it is."""
    key = bind if isinstance(bind, bytes) else lookup_key(bind)
    if is_digest(identifier):
        return LookupDigest(identifier, key)
    return LookupDigest(keyed_hash(key, identifier), key)


class LookupHash(TypeDecorator[str]):
    """A column of identifiers stored as their keyed hashes (64 hex characters)."""

    impl = String(100)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else str(lookup_hash(str(value), dialect))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else LookupDigest(value, _key_or_none(dialect))


def _key_or_none(dialect: Dialect) -> bytes | None:
    """A digest read where no key was given (``lianban audit verify`` without the keys) compares
    only as the text it is."""
    try:
        return lookup_key(dialect)
    except KeysMissing:
        return None


__all__ = [
    "MIN_BYTES",
    "VARIABLE",
    "LookupDigest",
    "LookupHash",
    "is_digest",
    "keyed_hash",
    "lookup_hash",
    "lookup_key",
    "lookup_key_of",
    "read_key",
    "use_lookup_key",
]
