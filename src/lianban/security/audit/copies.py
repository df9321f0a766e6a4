"""The actors' copies checked against the chain (操作人加密副本核对).

An entry names who acted twice: as a keyed hash (``actor``, covered by the chain) and encrypted
under the data keys (``actor_sealed``, outside the hash, so verifying the chain needs no data key
and ``lianban data rekey`` can re-encrypt it). The chain cannot see the copy: someone with write
access to the database could put another entry's copy in its place, and the entry would show
another actor while the chain still verifies. So, when the keys are at hand, ``verify`` also opens
every copy, hashes it under the lookup key as ``append`` did, and names each entry whose copy does
not give the hashed actor back — changed, missing, or not readable under the data keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Text, select, type_coerce
from sqlalchemy.orm import Session

from lianban.security.audit.schema import AuditEntry
from lianban.security.bound import KeysMissing
from lianban.security.fieldcrypt import FieldCryptError, FieldEncryption, SealedText, field_encryption
from lianban.security.lookup import lookup_hash, lookup_key

__all__ = ["CopyKeys", "copy_keys", "mismatched_copies"]

_COPY = AuditEntry.__table__.c.actor_sealed
_HASHED = AuditEntry.__table__.c.actor


@dataclass(frozen=True)
class CopyKeys:
    """What checking the copies needs: the data keys to open them, the lookup key to hash them."""

    crypt: FieldEncryption
    lookup: bytes


def copy_keys(session: Session) -> CopyKeys | list[str]:
    """The keys of the session's engine, or the settings that did not give them."""
    missing: list[str] = []
    crypt: FieldEncryption | None = None
    key: bytes | None = None
    try:
        crypt = field_encryption(session)
    except KeysMissing as exc:
        missing.append(exc.variable or "LIANBAN_DATA_KEYS")
    try:
        key = lookup_key(session)
    except KeysMissing as exc:
        missing.append(exc.variable or "LIANBAN_LOOKUP_KEY")
    if crypt is None or key is None:
        return missing
    return CopyKeys(crypt, key)


def _problem(raw: str | None, hashed: str, keys: CopyKeys) -> str | None:
    """What is wrong with one entry's copy, in Chinese; None when it gives the hashed actor back."""
    if raw is None:
        return "没有操作人的加密副本（actor_sealed 为空）"
    kind = _COPY.type
    assert isinstance(kind, SealedText)
    try:
        actor = kind.open(raw, keys.crypt)
    except FieldCryptError as exc:
        return f"操作人的加密副本无法解密（{exc}）"
    if str(lookup_hash(str(actor), keys.lookup)) != hashed:
        return "操作人的加密副本与哈希链中的操作人不符（副本被改动或被替换）"
    return None


def mismatched_copies(session: Session, day: date, keys: CopyKeys) -> tuple[int, list[str]]:
    """One day's copies checked in order: (how many, a line naming each entry that does not match)."""
    rows = session.execute(
        select(
            AuditEntry.seq,
            AuditEntry.action,
            AuditEntry.case_id,
            type_coerce(_HASHED, Text),  # as stored: the digest the chain covers
            type_coerce(_COPY, Text),  # as stored: opened here, so a bad one is named, not raised
        )
        .where(AuditEntry.day == day)
        .order_by(AuditEntry.seq)
    )
    count, found = 0, []
    for seq, action, case_id, hashed, raw in rows:
        count += 1
        problem = _problem(raw, str(hashed), keys)
        if problem is not None:
            found.append(f"{day.isoformat()} 第 {seq} 条（{action}，{case_id or '-'}）：{problem}")
    return count, found
