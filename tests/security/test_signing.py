"""Signed exchange: HMAC-SHA256 over method, path, timestamp, nonce and body digest, with rotation."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianban.security.signing import (
    HEADER_CONTENT_SHA256,
    HEADER_KEY_ID,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    Keyring,
    NonceCache,
    SignatureError,
    SigningKey,
    sign_request,
    verify_request,
)

NOW = 1_750_000_000
OLD = SigningKey("2025-01", bytes(range(32)))
NEW = SigningKey("2025-07", bytes(range(100, 132)))
BODY = '{"item": "employment_registration", "payload": {"AAC003": "张三"}}'.encode()


def ring() -> Keyring:
    return Keyring(OLD)


def signed(keyring: Keyring, body: bytes = BODY, path: str = "/records") -> dict[str, str]:
    return sign_request(keyring, "POST", path, body, timestamp=NOW, nonce="n-1")


def test_round_trip_returns_key_id_and_sets_all_headers() -> None:
    keyring = ring()
    headers = signed(keyring)
    assert set(headers) == {
        HEADER_KEY_ID,
        HEADER_TIMESTAMP,
        HEADER_NONCE,
        HEADER_SIGNATURE,
        HEADER_CONTENT_SHA256,
    }
    assert headers[HEADER_CONTENT_SHA256] == hashlib.sha256(BODY).hexdigest()
    assert verify_request(keyring, "POST", "/records", BODY, headers, now=NOW) == "2025-01"


def test_header_names_are_case_insensitive_and_method_case_does_not_matter() -> None:
    keyring = ring()
    headers = {k.lower(): v for k, v in signed(keyring).items()}
    assert verify_request(keyring, "post", "/records", BODY, headers, now=NOW) == "2025-01"


def test_fresh_nonce_and_current_time_by_default() -> None:
    keyring = ring()
    first = sign_request(keyring, "GET", "/stats", b"")
    second = sign_request(keyring, "GET", "/stats", b"")
    assert first[HEADER_NONCE] != second[HEADER_NONCE]
    assert verify_request(keyring, "GET", "/stats", b"", first) == "2025-01"


@pytest.mark.parametrize(
    ("method", "path", "body", "change"),
    [
        ("POST", "/records", BODY + b" ", None),
        ("POST", "/records/x", BODY, None),
        ("PUT", "/records", BODY, None),
        ("POST", "/records", BODY, {HEADER_TIMESTAMP: str(NOW + 1)}),
        ("POST", "/records", BODY, {HEADER_NONCE: "n-2"}),
        ("POST", "/records", BODY, {HEADER_SIGNATURE: "0" * 64}),
        ("POST", "/records", BODY, {HEADER_CONTENT_SHA256: "0" * 64}),
    ],
)
def test_tampering_fails(method: str, path: str, body: bytes, change: dict[str, str] | None) -> None:
    keyring = ring()
    headers = {**signed(keyring), **(change or {})}
    with pytest.raises(SignatureError):
        verify_request(keyring, method, path, body, headers, now=NOW)


@pytest.mark.parametrize(
    "missing", [HEADER_KEY_ID, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE], ids=lambda h: h
)
def test_missing_header_fails(missing: str) -> None:
    keyring = ring()
    headers = signed(keyring)
    del headers[missing]
    with pytest.raises(SignatureError, match="missing header"):
        verify_request(keyring, "POST", "/records", BODY, headers, now=NOW)


def test_forged_with_another_secret_or_unknown_key_fails() -> None:
    forged = signed(Keyring(SigningKey("2025-01", b"x" * 32)))
    with pytest.raises(SignatureError, match="bad signature"):
        verify_request(ring(), "POST", "/records", BODY, forged, now=NOW)
    stranger = signed(Keyring(SigningKey("someone", b"x" * 32)))
    with pytest.raises(SignatureError, match="unknown key id"):
        verify_request(ring(), "POST", "/records", BODY, stranger, now=NOW)


def test_rotation_old_key_still_verifies_until_retired() -> None:
    keyring = ring()
    before = signed(keyring)
    keyring.rotate(NEW)
    after = signed(keyring)
    assert after[HEADER_KEY_ID] == "2025-07"
    assert keyring.key_ids == ["2025-07", "2025-01"]
    assert verify_request(keyring, "POST", "/records", BODY, before, now=NOW) == "2025-01"
    assert verify_request(keyring, "POST", "/records", BODY, after, now=NOW) == "2025-07"

    keyring.retire("2025-01")
    with pytest.raises(SignatureError, match="unknown key id"):
        verify_request(keyring, "POST", "/records", BODY, before, now=NOW)
    assert verify_request(keyring, "POST", "/records", BODY, after, now=NOW) == "2025-07"


def test_keyring_refuses_muddled_rotation() -> None:
    keyring = Keyring(NEW, [OLD])
    with pytest.raises(ValueError):
        keyring.retire("2025-07")
    with pytest.raises(ValueError):
        keyring.rotate(SigningKey("2025-01", b"y" * 32))
    with pytest.raises(KeyError):
        keyring.retire("never")
    with pytest.raises(ValueError):
        Keyring(OLD, [OLD])


def test_keys_must_be_strong_and_secrets_stay_out_of_repr() -> None:
    with pytest.raises(ValueError):
        SigningKey("k", b"short")
    with pytest.raises(ValueError):
        SigningKey("", b"x" * 32)
    assert "secret" not in repr(OLD)
    assert SigningKey.from_hex("k", "ab" * 16).secret == b"\xab" * 16
    assert len(SigningKey.generate().secret) == 32


@pytest.mark.parametrize(
    ("offset", "ok"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)]
)
def test_clock_skew(offset: int, ok: bool) -> None:
    keyring = ring()
    headers = signed(keyring)
    if ok:
        verify_request(keyring, "POST", "/records", BODY, headers, now=NOW + offset)
    else:
        with pytest.raises(SignatureError, match="window"):
            verify_request(keyring, "POST", "/records", BODY, headers, now=NOW + offset)


def test_narrower_skew_window() -> None:
    keyring = ring()
    headers = signed(keyring)
    with pytest.raises(SignatureError):
        verify_request(keyring, "POST", "/records", BODY, headers, now=NOW + 31, max_skew_seconds=30)


def test_malformed_timestamp_and_nonce_fail() -> None:
    keyring = ring()
    with pytest.raises(SignatureError, match="timestamp"):
        verify_request(
            keyring, "POST", "/records", BODY, {**signed(keyring), HEADER_TIMESTAMP: "soon"}, now=NOW
        )
    with pytest.raises(ValueError):
        sign_request(keyring, "POST", "/records", BODY, nonce="has space")


def test_nonce_cache_detects_replays_within_ttl_and_stays_bounded() -> None:
    clock = [0.0]
    cache = NonceCache(max_entries=3, ttl_seconds=10, clock=lambda: clock[0])
    assert cache.seen("a") is False
    assert cache.seen("a") is True
    for nonce in ("b", "c", "d"):
        assert cache.seen(nonce) is False
    assert len(cache) == 3  # "a" was pushed out by size
    assert cache.seen("a") is False
    clock[0] = 11.0
    assert len(cache) == 0
    assert cache.seen("b") is False


@settings(max_examples=150, deadline=None)
@given(body=st.binary(max_size=2048), path=st.from_regex(r"/[a-z0-9/_-]{0,40}", fullmatch=True))
def test_property_any_body_round_trips(body: bytes, path: str) -> None:
    keyring = ring()
    headers = sign_request(keyring, "POST", path, body, timestamp=NOW)
    assert verify_request(keyring, "POST", path, body, headers, now=NOW) == "2025-01"


@settings(max_examples=150, deadline=None)
@given(data=st.data(), body=st.binary(min_size=1, max_size=2048))
def test_property_any_single_byte_change_fails(data: st.DataObject, body: bytes) -> None:
    keyring = ring()
    headers = sign_request(keyring, "POST", "/records", body, timestamp=NOW)
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    delta = data.draw(st.integers(min_value=1, max_value=255))
    changed = bytearray(body)
    changed[index] = (changed[index] + delta) % 256
    with pytest.raises(SignatureError):
        verify_request(keyring, "POST", "/records", bytes(changed), headers, now=NOW)
    # The same change with the digest header dropped still fails on the HMAC itself.
    without_digest = {k: v for k, v in headers.items() if k != HEADER_CONTENT_SHA256}
    with pytest.raises(SignatureError, match="bad signature"):
        verify_request(keyring, "POST", "/records", bytes(changed), without_digest, now=NOW)
