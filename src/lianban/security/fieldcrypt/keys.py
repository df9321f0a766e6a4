"""The platform's data keys from the configuration (数据密钥): ``LIANBAN_DATA_KEYS`` and ``LIANBAN_DATA_CIPHER``.

``LIANBAN_DATA_KEYS`` is ``kid:base64key,…``: the first key encrypts, every key decrypts, so keys
rotate (put a new key first, run ``lianban data rekey``, then drop the old one). It is required in
production; a sandbox generates a key once into its data directory. ``LIANBAN_DATA_CIPHER`` picks
AES-256-GCM (``aes``, the default) or SM4-GCM (``sm4``, when the installed OpenSSL has SM4).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm

from lianban.config import ConfigError
from lianban.security.fieldcrypt.cipher import (
    KEY_BYTES,
    KEYS_VARIABLE,
    NONCE_BYTES,
    Algorithm,
    DataKey,
    DataKeyring,
)

__all__ = ["CIPHERS", "CIPHER_VARIABLE", "cipher_of", "data_keyring", "require_supported"]

CIPHER_VARIABLE = "LIANBAN_DATA_CIPHER"
CIPHERS = {"aes": Algorithm.AES_256_GCM, "sm4": Algorithm.SM4_GCM}


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
    key generated once into the data directory; ``LIANBAN_DATA_CIPHER`` picks AES-256-GCM or SM4-GCM
    (both as the settings give them: ``configured`` and ``cipher``)."""
    algorithm = cipher_of(cipher)
    require_supported(algorithm)
    spec = configured or ""
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
