"""The cipher and the envelope (密文格式) of a protected value: data keys, AEAD, seal and open.

A protected value is stored as the string ``enc:v1:<alg>:<kid>:<base64(nonce | ciphertext | tag)>``:
``alg`` is ``aes256gcm`` (AES-256-GCM) or ``sm4gcm`` (SM4-GCM, 国密 GB/T 32907); ``kid`` is the
key of the ring (密钥环) that sealed it; the plaintext is ``json.dumps(value)``; the associated data
is the header plus the context (the column and the field's path), so a value moved to another field
does not open. The nonce is 96 random bits per value: under one key that is safe for about 2**32
encryptions (NIST SP 800-38D).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lianban.config import ConfigError
from lianban.security.randomness import random_bytes

__all__ = [
    "KEYS_VARIABLE",
    "KEY_BYTES",
    "NONCE_BYTES",
    "PREFIX",
    "TAG_BYTES",
    "Algorithm",
    "DataKey",
    "DataKeyring",
    "FieldCryptError",
    "is_sealed",
]

PREFIX = "enc:v1:"
NONCE_BYTES = 12
TAG_BYTES = 16
KEYS_VARIABLE = "LIANBAN_DATA_KEYS"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")


class FieldCryptError(Exception):
    """A protected value that cannot be decrypted: its key was retired, it was altered or moved."""


class Algorithm(StrEnum):
    """The AEAD a value is sealed with; a key's length says which one it is for."""

    AES_256_GCM = "aes256gcm"
    SM4_GCM = "sm4gcm"  # 国密 SM4, GB/T 32907


KEY_BYTES = {Algorithm.AES_256_GCM: 32, Algorithm.SM4_GCM: 16}


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
        nonce = random_bytes(NONCE_BYTES)
        plaintext = _JSON.encode(value).encode("utf-8")
        sealed = key.encrypt(nonce, plaintext, _aad(header, context))
        return f"{header}:{binascii.b2a_base64(nonce + sealed, newline=False).decode('ascii')}"

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
