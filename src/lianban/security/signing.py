"""Signed exchange between lianban and department systems (签名交换): HMAC-SHA256 with key rotation.

Every request lianban sends to a department system, and every callback a department system sends
back, carries five headers:

* ``X-Lianban-Key-Id`` — which key of the shared keyring signed it;
* ``X-Lianban-Timestamp`` — Unix seconds when it was signed (a bounded clock skew is accepted);
* ``X-Lianban-Nonce`` — a random value, unique per request, so the receiver can refuse replays;
* ``X-Lianban-Content-SHA256`` — hex SHA-256 of the body, the hash each side logs the exchange by;
* ``X-Lianban-Signature`` — hex HMAC-SHA256 over the canonical string
  ``METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(body)``.

``PATH`` is the request target as it appears on the request line: the URL path, plus ``?query``
when there is one. Signing the body's digest (not the body) keeps the canonical string small and
gives both sides the same hash to write in their exchange logs.

Key rotation (密钥轮换): a :class:`Keyring` signs with its *current* key and accepts the current key
and any *previous* keys when verifying. Rotating adds a new current key and keeps the old one for
verification until every peer has switched; retiring then removes it.

Replay detection is the receiver's job: :func:`verify_request` checks the timestamp window, and
the receiver asks a :class:`NonceCache` whether it has seen the nonce. Each attempt of a retried
request must therefore be signed afresh (new timestamp, new nonce).

Written by hand, on the standard library's ``hmac``/``hashlib``: the scheme is a few lines, and the
HTTP-signature libraries on PyPI are tied to one client library or implement a far larger
standard (RFC 9421) than the peers here need.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

HEADER_KEY_ID = "X-Lianban-Key-Id"
HEADER_TIMESTAMP = "X-Lianban-Timestamp"
HEADER_NONCE = "X-Lianban-Nonce"
HEADER_SIGNATURE = "X-Lianban-Signature"
HEADER_CONTENT_SHA256 = "X-Lianban-Content-SHA256"

SIGNATURE_HEADERS = (HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE, HEADER_CONTENT_SHA256)

DEFAULT_MAX_SKEW_SECONDS = 300
MIN_SECRET_BYTES = 16
MAX_NONCE_LENGTH = 128


class SignatureError(Exception):
    """A request or callback whose signature is missing, forged, stale or signed by an unknown key."""


@dataclass(frozen=True)
class SigningKey:
    """One shared secret and the id peers name it by."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.key_id or any(ch.isspace() for ch in self.key_id):
            raise ValueError("key_id must be a non-empty string without whitespace")
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"secret must be at least {MIN_SECRET_BYTES} bytes")

    @classmethod
    def generate(cls, key_id: str | None = None) -> SigningKey:
        """A fresh random 32-byte key (the id defaults to a random one)."""
        return cls(key_id or f"k-{secrets.token_hex(4)}", secrets.token_bytes(32))

    @classmethod
    def from_hex(cls, key_id: str, secret_hex: str) -> SigningKey:
        return cls(key_id, bytes.fromhex(secret_hex))


class Keyring:
    """The current signing key plus previous keys still accepted when verifying (thread-safe)."""

    def __init__(self, current: SigningKey, previous: Iterable[SigningKey] = ()) -> None:
        self._lock = threading.Lock()
        self._current = current
        self._previous: dict[str, SigningKey] = {}
        for key in previous:
            if key.key_id == current.key_id:
                raise ValueError(f"key id {key.key_id!r} is both current and previous")
            self._previous[key.key_id] = key

    @property
    def current(self) -> SigningKey:
        with self._lock:
            return self._current

    @property
    def key_ids(self) -> list[str]:
        """Every accepted key id, current first."""
        with self._lock:
            return [self._current.key_id, *self._previous]

    def get(self, key_id: str) -> SigningKey | None:
        """The key with this id if it is still accepted."""
        with self._lock:
            if key_id == self._current.key_id:
                return self._current
            return self._previous.get(key_id)

    def rotate(self, new_current: SigningKey) -> None:
        """Sign with ``new_current`` from now on; keep the old current key for verification."""
        with self._lock:
            if new_current.key_id == self._current.key_id or new_current.key_id in self._previous:
                raise ValueError(f"key id {new_current.key_id!r} is already in the keyring")
            self._previous[self._current.key_id] = self._current
            self._current = new_current

    def retire(self, key_id: str) -> None:
        """Stop accepting a previous key. The current key cannot be retired (rotate first)."""
        with self._lock:
            if key_id == self._current.key_id:
                raise ValueError("the current key cannot be retired; rotate to a new key first")
            if key_id not in self._previous:
                raise KeyError(key_id)
            del self._previous[key_id]


def content_sha256(body: bytes) -> str:
    """Hex SHA-256 of a body: what is signed, sent as a header, and written to exchange logs."""
    return hashlib.sha256(body).hexdigest()


def canonical_string(method: str, path: str, timestamp: int, nonce: str, body_sha256: str) -> bytes:
    """The bytes an HMAC is computed over; the method is upper-cased so peers agree on it."""
    return "\n".join((method.upper(), path, str(timestamp), nonce, body_sha256)).encode("utf-8")


def _hmac_hex(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _check_nonce(nonce: str) -> None:
    if not nonce or len(nonce) > MAX_NONCE_LENGTH or not nonce.isascii() or any(ch.isspace() for ch in nonce):
        raise SignatureError("malformed nonce")


def sign_request(
    keyring: Keyring,
    method: str,
    path: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers that sign one request (or callback) with the keyring's current key."""
    key = keyring.current
    ts = int(time.time()) if timestamp is None else timestamp
    nonce_value = secrets.token_hex(16) if nonce is None else nonce
    try:
        _check_nonce(nonce_value)
    except SignatureError as exc:
        raise ValueError(str(exc)) from exc
    digest = content_sha256(body)
    signature = _hmac_hex(key.secret, canonical_string(method, path, ts, nonce_value, digest))
    return {
        HEADER_KEY_ID: key.key_id,
        HEADER_TIMESTAMP: str(ts),
        HEADER_NONCE: nonce_value,
        HEADER_CONTENT_SHA256: digest,
        HEADER_SIGNATURE: signature,
    }


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def verify_request(
    keyring: Keyring,
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: int | None = None,
    max_skew_seconds: int = DEFAULT_MAX_SKEW_SECONDS,
) -> str:
    """Check a signed request and return the id of the key that signed it.

    Raises :class:`SignatureError` for a missing header, an unknown (or retired) key id, a
    signature that does not match, a content digest that does not match the body, or a timestamp
    more than ``max_skew_seconds`` away from ``now``. Replays are not detected here: pass the
    nonce header to a :class:`NonceCache`.
    """
    lowered = _lower_headers(headers)
    values: dict[str, str] = {}
    for name in (HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE):
        value = lowered.get(name.lower())
        if not value:
            raise SignatureError(f"missing header {name}")
        values[name] = value.strip()

    key = keyring.get(values[HEADER_KEY_ID])
    if key is None:
        raise SignatureError("unknown key id")

    raw_ts = values[HEADER_TIMESTAMP]
    if not raw_ts.isdigit() or len(raw_ts) > 12:
        raise SignatureError("malformed timestamp")
    ts = int(raw_ts)
    current = int(time.time()) if now is None else now
    if abs(current - ts) > max_skew_seconds:
        raise SignatureError("timestamp outside the accepted window")

    nonce = values[HEADER_NONCE]
    _check_nonce(nonce)

    digest = content_sha256(body)
    declared = lowered.get(HEADER_CONTENT_SHA256.lower())
    if declared is not None and not hmac.compare_digest(declared.strip().lower(), digest):
        raise SignatureError("content digest does not match the body")

    expected = _hmac_hex(key.secret, canonical_string(method, path, ts, nonce, digest))
    if not hmac.compare_digest(expected, values[HEADER_SIGNATURE].lower()):
        raise SignatureError("bad signature")
    return key.key_id


class NonceCache:
    """Nonces seen recently, for replay detection: bounded in size, each entry kept ``ttl_seconds``.

    Keep ``ttl_seconds`` at least twice the verifier's ``max_skew_seconds``: a replay older than
    that is refused by its timestamp, so forgetting the nonce then is safe. When more than
    ``max_entries`` nonces arrive within the TTL the oldest are forgotten first.
    """

    def __init__(
        self,
        max_entries: int = 100_000,
        ttl_seconds: float = 2 * DEFAULT_MAX_SKEW_SECONDS + 60,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._seen)

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest_nonce, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self._ttl:
                break
            del self._seen[oldest_nonce]

    def seen(self, nonce: str) -> bool:
        """True when ``nonce`` was already seen within the TTL; otherwise remember it and return False."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if nonce in self._seen:
                return True
            self._seen[nonce] = now
            while len(self._seen) > self._max_entries:
                self._seen.popitem(last=False)
            return False


def platform_keyring(data_dir: Path, sandbox: bool, configured: str | None = None) -> Keyring:
    """The platform's signing keys: ``LIANBAN_SIGNING_KEYS`` = ``kid:hex[,kid:hex…]`` (first signs,
    the rest still verify — rotation), as the settings give it (``configured``), or in a sandbox a key
    generated once into the data directory."""
    spec = configured or ""
    if not spec:
        if not sandbox:
            raise SignatureError("LIANBAN_SIGNING_KEYS must be set in production mode")
        path = data_dir / "sandbox-signing.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = SigningKey.generate("sandbox-1")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(f"{key.key_id}:{key.secret.hex()}")
        spec = path.read_text(encoding="utf-8").strip()
    keys = []
    for part in spec.split(","):
        key_id, _, secret_hex = part.strip().partition(":")
        keys.append(SigningKey.from_hex(key_id, secret_hex))
    return Keyring(keys[0], keys[1:])
