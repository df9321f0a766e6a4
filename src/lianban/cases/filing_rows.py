"""The rows of a filing as they are stored (受理的存储形式): which tables, in which order, and every
sealing column's value computed before the transaction — a protected JSON's personal values
sealed, a look-up column's identifier as its keyed hash, a sealed text sealed — so the write
binds plain values (:func:`lianban.cases.filing.write_case`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Column, MetaData, String, Table, Text, insert

from lianban.cases.schema import Case, CaseItem, CaseObligation, OutboxJob, TimelineEvent
from lianban.prepared import PreparedWrite
from lianban.security.fieldcrypt.column import FieldEncryption, ProtectedJSON, SealedText
from lianban.security.lookup import LookupHash, lookup_hash

# the tables a filing writes, in the order they refer to each other
TABLES = (Case, CaseItem, OutboxJob, TimelineEvent, CaseObligation)
Seal = Callable[[Any, FieldEncryption, bytes], Any]  # a value as stored, under these keys
_stored: dict[str, tuple[Table, dict[str, Seal], PreparedWrite]] = {}


def _sealer(kind: Any) -> Seal | None:
    """How a column type stores a value, done before the transaction: a protected JSON's personal
    values sealed, a look-up column's identifier as its keyed hash, a sealed text sealed."""
    if isinstance(kind, ProtectedJSON):
        return lambda v, crypt, _key: kind.seal(v, crypt)
    if isinstance(kind, LookupHash):
        return lambda v, _crypt, key: None if v is None else str(lookup_hash(str(v), key))
    if isinstance(kind, SealedText):
        return lambda v, crypt, _key: None if v is None else crypt.keyring.seal(str(v), kind.column)
    return None


def _plain(kind: Any) -> Any:
    """The type a sealed value is written as: the column's own type, without its sealing."""
    if isinstance(kind, ProtectedJSON):
        return JSON()
    if isinstance(kind, LookupHash):
        return String()
    if isinstance(kind, SealedText):
        return Text()
    return kind


def stored_table(model: type[Any]) -> tuple[Table, dict[str, Seal], PreparedWrite]:
    """The table as stored: its sealing columns as the plain types their values are written as
    (they come sealed and hashed), how each of those stores a value, and its INSERT (built once,
    compiled once per dialect and set of columns)."""
    name = model.__tablename__
    found = _stored.get(name)
    if found is None:
        source: Table = model.__table__
        sealers = {c.name: f for c in source.columns if (f := _sealer(c.type)) is not None}
        table = Table(name, MetaData(), *(Column(c.name, _plain(c.type)) for c in source.columns))
        found = _stored[name] = (table, sealers, PreparedWrite(insert(table)))
    return found


__all__ = ["TABLES", "Seal", "stored_table"]
