"""Field encryption at rest (个人信息加密存储): personal values in the case tables are stored encrypted.

PIPL art. 28 and 51 ask that sensitive personal information (敏感个人信息) be stored encrypted. The
field dictionary (``catalog/data/fields.yaml``) says which values that is: every field marked
``sensitivity: sensitive`` (ID numbers, bank accounts, hukou data) and every field marked
``identifying: true`` (names, phone numbers, e-mail, addresses: what directly identifies a person).
Everything else stays readable, so statistics can still count by region code or date.

A protected value is stored as the string ``enc:v1:<alg>:<kid>:<base64(nonce | ciphertext | tag)>``:

* ``alg`` — ``aes256gcm`` (AES-256-GCM, the default) or ``sm4gcm`` (SM4-GCM, 国密 GB/T 32907) when
  ``LIANBAN_DATA_CIPHER=sm4`` and the installed OpenSSL has SM4;
* ``kid`` — which key of ``LIANBAN_DATA_KEYS`` (``kid:base64key,…``) encrypted it; the first key
  encrypts, every key decrypts, so keys rotate: put a new key first, run ``lianban data rekey``,
  then drop the old one. A value whose key is no longer in the ring is an error naming the key id;
* the plaintext is ``json.dumps(value)``, so a number stays a number and an address stays an object;
* the associated data (AAD) is the header plus the column and the field's path
  (``cases.form/person.id_number``, ``cases.form/employees.2.person.name``): a value copied to another
  field, or another column, does not decrypt. It does not name the row (a column type cannot see
  it): a value copied to the same field of another case still decrypts.

The nonce is 96 random bits per value. Under one key that is safe for about 2**32 encryptions
(NIST SP 800-38D); rotate to a new key well before — yearly is plenty at a province's volume.

The encryption is transparent at the column: :class:`ProtectedJSON` is the column type of
``cases.form``, ``case_items.payload`` and ``deliveries.address``. It encrypts on the way into the
database and decrypts on the way out, so the code that files, dispatches, corrects and delivers
never sees a ciphertext. Department payloads are keyed by the department system's own field names
(拆分还原), so their protected names come through the split's own mapping (``system_name``) from
every theme of the catalogue. Rows written before encryption (plain values) still read: a value not
starting with ``enc:v1:`` is returned as it is, and ``lianban data rekey`` encrypts it.

The column type reaches its keys through the process: the app and the worker call
:func:`use_field_encryption` where they build their engine; any other process (a CLI command, a
script) gets them from the environment on first use, as :func:`data_keyring` reads it.

Written here, on the ``cryptography`` library's AES-GCM and SM4-GCM: what is ours is the envelope
(header, AAD, key ring) and which values to seal — no library knows the field dictionary, and the
column-encryption types on PyPI encrypt a whole column under one key, without rotation or AAD.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import JSON, Dialect, Table, func, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban.catalog.model import Sensitivity
from lianban.config import ConfigError, load_settings
from lianban.forms.split import system_name

PREFIX = "enc:v1:"
NONCE_BYTES = 12
TAG_BYTES = 16
KEYS_VARIABLE = "LIANBAN_DATA_KEYS"
CIPHER_VARIABLE = "LIANBAN_DATA_CIPHER"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


class FieldCryptError(Exception):
    """A protected value that cannot be decrypted: its key was retired, it was altered or moved."""


class Algorithm(StrEnum):
    """The AEAD a value is sealed with; a key's length says which one it is for."""

    AES_256_GCM = "aes256gcm"
    SM4_GCM = "sm4gcm"  # 国密 SM4, GB/T 32907


KEY_BYTES = {Algorithm.AES_256_GCM: 32, Algorithm.SM4_GCM: 16}
CIPHERS = {"aes": Algorithm.AES_256_GCM, "sm4": Algorithm.SM4_GCM}


@dataclass(frozen=True)
class DataKey:
    """One data-encryption key and the id stored values name it by (32 bytes: AES-256, 16: SM4)."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.key_id):
            raise ValueError("a key id is 1–40 of A–Z a–z 0–9 . _ -")
        if len(self.secret) not in KEY_BYTES.values():
            raise ValueError(
                f"key {self.key_id!r} is {len(self.secret)} bytes; AES-256 keys are 32 bytes, SM4 keys 16"
            )

    @classmethod
    def generate(cls, key_id: str, algorithm: Algorithm = Algorithm.AES_256_GCM) -> DataKey:
        return cls(key_id, secrets.token_bytes(KEY_BYTES[algorithm]))

    @cached_property
    def algorithm(self) -> Algorithm:
        return Algorithm.AES_256_GCM if len(self.secret) == 32 else Algorithm.SM4_GCM

    @cached_property
    def header(self) -> str:
        """``enc:v1:<alg>:<kid>``: what every value sealed under this key starts with."""
        return f"{PREFIX}{self.algorithm.value}:{self.key_id}"

    @property
    def spec(self) -> str:
        """``kid:base64key``, as in LIANBAN_DATA_KEYS."""
        return f"{self.key_id}:{base64.b64encode(self.secret).decode('ascii')}"

    @cached_property
    def _aes(self) -> AESGCM:
        return AESGCM(self.secret)

    def encrypt(self, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Ciphertext followed by the 16-byte tag."""
        if self.algorithm is Algorithm.AES_256_GCM:
            return self._aes.encrypt(nonce, plaintext, aad)
        encryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag

    def decrypt(self, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
        """The plaintext; :class:`InvalidTag` when the ciphertext, tag or AAD was altered."""
        if self.algorithm is Algorithm.AES_256_GCM:
            return self._aes.decrypt(nonce, sealed, aad)
        tag = sealed[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self.secret), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(sealed[:-TAG_BYTES]) + decryptor.finalize()


# one encoder for every value (json.dumps with options builds a new encoder on each call)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _aad(header: str, context: str) -> bytes:
    return f"{header}|{context}".encode()


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class DataKeyring:
    """The data keys (密钥环): the first encrypts, all decrypt, so keys rotate without downtime."""

    def __init__(self, keys: Sequence[DataKey]) -> None:
        if not keys:
            raise ValueError("a data keyring needs at least one key")
        self._keys: dict[str, DataKey] = {}
        for key in keys:
            if key.key_id in self._keys:
                raise ValueError(f"key id {key.key_id!r} appears twice")
            self._keys[key.key_id] = key
        self.current = keys[0]

    @classmethod
    def from_spec(cls, spec: str) -> DataKeyring:
        """``kid:base64key[,kid:base64key…]``; a ConfigError names LIANBAN_DATA_KEYS, never a key."""
        keys: list[DataKey] = []
        for n, part in enumerate(spec.split(","), start=1):
            key_id, sep, encoded = part.strip().partition(":")
            try:
                if not sep:
                    raise ValueError("expected kid:base64key")
                keys.append(DataKey(key_id, base64.b64decode(encoded.strip(), validate=True)))
            except (ValueError, binascii.Error) as exc:
                raise ConfigError(f"{KEYS_VARIABLE}: key {n}: {exc}") from None
        try:
            return cls(keys)
        except ValueError as exc:
            raise ConfigError(f"{KEYS_VARIABLE}: {exc}") from None

    @property
    def key_ids(self) -> list[str]:
        """Every key id, the encrypting one first."""
        return list(self._keys)

    def get(self, key_id: str) -> DataKey | None:
        return self._keys.get(key_id)

    def seal(self, value: Any, context: str) -> str:
        """``value`` as an ``enc:v1:…`` string, bound to ``context`` (the column and the field)."""
        key = self.current
        header = key.header
        nonce = os.urandom(NONCE_BYTES)
        plaintext = _JSON.encode(value).encode("utf-8")
        sealed = key.encrypt(nonce, plaintext, _aad(header, context))
        return f"{header}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, token: str, context: str) -> Any:
        """The value an ``enc:v1:…`` string holds; :class:`FieldCryptError` when it cannot be read."""
        parts = token[len(PREFIX) :].split(":", 2) if is_sealed(token) else []
        if len(parts) != 3 or not all(parts):
            raise FieldCryptError(f"{context}: malformed encrypted value")
        alg, key_id, body = parts
        key = self.get(key_id)
        if key is None:
            raise FieldCryptError(
                f"{context}: encrypted under key id {key_id!r}, which is not in {KEYS_VARIABLE} "
                f"(have: {', '.join(self.key_ids)}); put it back and run `lianban data rekey` before retiring it"
            )
        if key.algorithm.value != alg:
            raise FieldCryptError(
                f"{context}: sealed with {alg}, but key {key_id!r} is a {key.algorithm} key"
            )
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error:
            raise FieldCryptError(f"{context}: malformed encrypted value") from None
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise FieldCryptError(f"{context}: malformed encrypted value")
        try:
            plaintext = key.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(f"{PREFIX}{alg}:{key_id}", context)
            )
        except InvalidTag:
            raise FieldCryptError(
                f"{context}: does not authenticate under key {key_id!r} (altered, or moved from another field)"
            ) from None
        return json.loads(plaintext)

    def is_current(self, token: str) -> bool:
        """Whether a sealed value is already under the encrypting key."""
        return token.startswith(f"{PREFIX}{self.current.algorithm.value}:{self.current.key_id}:")


# ---------------------------------------------------------------- keys from the configuration


def cipher_of(value: str | None) -> Algorithm:
    choice = (value or "aes").strip().lower()
    if choice not in CIPHERS:
        raise ConfigError(f"{CIPHER_VARIABLE} must be aes or sm4, not {value!r}")
    return CIPHERS[choice]


def require_supported(algorithm: Algorithm) -> None:
    """A ConfigError at start when this OpenSSL cannot do ``algorithm`` (SM4 is optional in OpenSSL)."""
    probe = DataKey.generate("probe", algorithm)
    nonce = bytes(NONCE_BYTES)
    try:
        if probe.decrypt(nonce, probe.encrypt(nonce, b"probe", b""), b"") == b"probe":
            return
    except (UnsupportedAlgorithm, InvalidTag, ValueError):
        pass
    raise ConfigError(
        f"{CIPHER_VARIABLE}: this OpenSSL cannot do {algorithm.value} (SM4-GCM needs an OpenSSL built "
        "with SM4); choose aes or install an OpenSSL with SM4"
    )


def _sandbox_key(data_dir: Path, algorithm: Algorithm, create: bool) -> str | None:
    """The sandbox's generated key for ``algorithm``, made once (mode 0600) and kept in the data dir."""
    path = data_dir / f"sandbox-data-{algorithm.value}.key"
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        key = DataKey.generate(f"sandbox-{secrets.token_hex(3)}", algorithm)
        draft = path.with_name(f"{path.name}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(key.spec)
        try:  # link, not rename: when the API and a worker start together, the first key made wins
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()


def data_keyring(
    data_dir: Path, sandbox: bool, configured: str | None = None, cipher: str | None = None
) -> DataKeyring:
    """The platform's data keys: ``LIANBAN_DATA_KEYS`` (required in production), or in a sandbox a
    key generated once into the data directory; ``LIANBAN_DATA_CIPHER`` picks AES-256-GCM or SM4-GCM."""
    algorithm = cipher_of(cipher or os.environ.get(CIPHER_VARIABLE))
    require_supported(algorithm)
    spec = configured or os.environ.get(KEYS_VARIABLE, "")
    if not spec:
        if not sandbox:
            raise ConfigError(
                f"{KEYS_VARIABLE} must be set in production mode: kid:base64key[,kid:base64key…] "
                "(32-byte keys for AES-256-GCM, 16-byte keys for SM4-GCM)"
            )
        other = next(a for a in Algorithm if a is not algorithm)
        found = [_sandbox_key(data_dir, algorithm, True), _sandbox_key(data_dir, other, False)]
        spec = ",".join(s for s in found if s)
    ring = DataKeyring.from_spec(spec)
    if ring.current.algorithm is not algorithm:
        raise ConfigError(
            f"{KEYS_VARIABLE}: the first key {ring.current.key_id!r} is for {ring.current.algorithm.value}, "
            f"but {CIPHER_VARIABLE} asks for {algorithm.value} ({KEY_BYTES[algorithm]}-byte keys)"
        )
    for key_id in ring.key_ids[1:]:
        key = ring.get(key_id)
        if key is not None and key.algorithm is not algorithm:
            require_supported(key.algorithm)
    return ring


# ---------------------------------------------------------------- which values, at the column


@dataclass(frozen=True)
class ProtectedKeys:
    """The keys whose values are sealed: canonical field keys in forms, system field names in payloads."""

    fields: frozenset[str]
    payload: frozenset[str]

    @classmethod
    def of(cls, catalogue: Catalogue) -> ProtectedKeys:
        """From the field dictionary: sensitive or identifying fields, and every department name
        (拆分还原) any theme gives one of them."""
        fields = frozenset(
            key
            for key, definition in catalogue.fields.items()
            if definition.sensitivity is Sensitivity.SENSITIVE or definition.identifying
        )
        payload = frozenset(
            system_name(ref)
            for theme in catalogue.themes.values()
            for item in theme.items
            for ref in item.fields
            if ref.key in fields
        )
        return cls(fields, payload)


@dataclass(frozen=True)
class FieldEncryption:
    """What the column types of this process encrypt with, and which keys they protect."""

    keyring: DataKeyring
    keys: ProtectedKeys


_active: FieldEncryption | None = None
_lock = threading.Lock()


def use_field_encryption(keyring: DataKeyring, catalogue: Catalogue) -> FieldEncryption:
    """Install the process's field encryption (the app and the worker, where they build their engine)."""
    global _active
    _active = FieldEncryption(keyring, ProtectedKeys.of(catalogue))
    return _active


def field_encryption() -> FieldEncryption:
    """The process's field encryption; from the environment when no one installed it (a CLI command)."""
    global _active
    crypt = _active
    if crypt is not None:
        return crypt
    with _lock:
        if _active is None:
            settings = load_settings()
            ring = data_keyring(settings.data_dir, settings.sandbox, settings.data_keys, settings.data_cipher)
            _active = FieldEncryption(ring, ProtectedKeys.of(default_catalogue(settings.themes_dir)))
        return _active


class Shape(StrEnum):
    """How a protected column's value is laid out."""

    FORM = "form"  # {canonical key: value, "employees": [{canonical key: value}, …]}
    PAYLOAD = "payload"  # {department system field name: value}
    WHOLE = "whole"  # the whole value is personal (a postal address)


_Visit = Callable[[str, bool, Any], Any]  # (path, protected?, value) -> new value


def _visit(shape: Shape, keys: ProtectedKeys, value: Any, visit: _Visit) -> Any:
    if shape is Shape.WHOLE:
        return visit("", True, value)
    if not isinstance(value, dict):
        return value
    names = keys.fields if shape is Shape.FORM else keys.payload
    out: dict[str, Any] = {}
    for name, v in value.items():
        if shape is Shape.FORM and name == "employees" and isinstance(v, list):
            out[name] = [
                {k: visit(f"employees.{i}.{k}", k in names, rv) for k, rv in row.items()}
                if isinstance(row, dict)
                else row
                for i, row in enumerate(v)
            ]
        else:
            out[name] = visit(name, name in names, v)
    return out


class ProtectedJSON(TypeDecorator[Any]):
    """A JSON column whose personal values are stored encrypted (the database type stays JSON).

    ``column`` names it in the associated data (``cases.form``); ``shape`` says where its values are.
    A value that merely looks encrypted (an applicant typing ``enc:v1:…`` into a free-text field) is
    sealed too, so reading never mistakes typed text for a ciphertext.
    """

    impl = JSON
    cache_ok = True

    def __init__(self, column: str, shape: Shape) -> None:
        super().__init__()
        self.column = column
        self.shape = shape

    def _context(self, path: str) -> str:
        return f"{self.column}/{path}" if path else self.column

    def seal(self, value: Any, crypt: FieldEncryption) -> Any:
        def visit(path: str, protected: bool, v: Any) -> Any:
            if v is None or not (protected or is_sealed(v)):
                return v
            return crypt.keyring.seal(v, self._context(path))

        return None if value is None else _visit(self.shape, crypt.keys, value, visit)

    def open(self, value: Any, crypt: FieldEncryption) -> Any:
        def visit(path: str, _protected: bool, v: Any) -> Any:
            return crypt.keyring.open(v, self._context(path)) if is_sealed(v) else v

        return None if value is None else _visit(self.shape, crypt.keys, value, visit)

    def stale(self, value: Any, crypt: FieldEncryption) -> bool:
        """Whether a stored value holds a plain protected value or one under an older key."""
        found: list[bool] = []

        def visit(_path: str, protected: bool, v: Any) -> Any:
            if is_sealed(v):
                found.append(not crypt.keyring.is_current(v))
            elif protected and v is not None:
                found.append(True)
            return v

        if value is not None:
            _visit(self.shape, crypt.keys, value, visit)
        return any(found)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return self.seal(value, field_encryption())

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return self.open(value, field_encryption())


# ---------------------------------------------------------------- rotation (lianban data rekey)


def rekey(
    sessions: sessionmaker[Session], batch_size: int = 200, progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-encrypt every protected value under the keyring's first key; returns the rows rewritten.

    Works a batch of cases per transaction, taking the cases' row locks first as all work on a case
    does, so a correction filed meanwhile is never overwritten. Rows already under the first key are
    left alone: running it again rewrites nothing. ``progress(done, total)`` counts cases.
    """
    from lianban.cases.schema import Case
    from lianban.db import Base

    crypt = field_encryption()
    cases: Table = Case.__table__  # type: ignore[assignment]
    targets = [
        (table, [c for c in table.columns if isinstance(c.type, ProtectedJSON)])
        for table in Base.metadata.sorted_tables
        if "case_id" in table.columns
    ]
    targets = [(table, columns) for table, columns in targets if columns]
    with sessions() as session:
        total = int(session.scalar(select(func.count()).select_from(cases)) or 0)
    done = rewritten = 0
    after = ""
    while True:
        with sessions() as session, session.begin():
            ids = list(
                session.scalars(
                    select(cases.c.case_id)
                    .where(cases.c.case_id > after)
                    .order_by(cases.c.case_id)
                    .limit(batch_size)
                    .with_for_update()
                )
            )
            if not ids:
                return rewritten
            for table, columns in targets:
                rewritten += _rekey_rows(session, crypt, table, columns, ids)
        after, done = ids[-1], done + len(ids)
        if progress is not None:
            progress(done, max(total, done))


def _rekey_rows(
    session: Session, crypt: FieldEncryption, table: Table, columns: Iterable[Any], case_ids: list[str]
) -> int:
    columns = list(columns)
    keys = list(table.primary_key.columns)
    rows = session.execute(
        select(*keys, *(type_coerce(c, JSON) for c in columns)).where(table.c.case_id.in_(case_ids))
    ).all()
    rewritten = 0
    for row in rows:
        stored = row[len(keys) :]
        fresh = {
            c.name: c.type.open(raw, crypt)
            for c, raw in zip(columns, stored, strict=True)
            if c.type.stale(raw, crypt)
        }
        if fresh:
            where = [k == v for k, v in zip(keys, row[: len(keys)], strict=True)]
            session.execute(update(table).where(*where).values(fresh))
            rewritten += 1
    return rewritten
