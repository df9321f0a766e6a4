"""The column type (加密列): :class:`ProtectedJSON` seals personal values on the way into the database.

Which values: every field of the dictionary marked ``sensitivity: sensitive`` (敏感个人信息: ID
numbers, bank accounts, hukou data) or ``identifying: true`` (names, phones, e-mail, addresses), and
in department payloads every name the split gives one of them (拆分还原, ``system_name``), from every
theme of the catalogue. Everything else stays readable, so statistics can still count by region code
or date. Rows written before encryption (plain values) still read: a value not starting with
``enc:v1:`` is returned as it is, and ``lianban data rekey`` encrypts it.

The column type reaches its keys through the engine it works for: the platform
(:mod:`lianban.bootstrap`) calls :func:`use_field_encryption` on the engine it builds, and the
column type reads them from the dialect it is handed (:mod:`lianban.security.bound`); an engine
given none refuses to seal or open. The column type knows nothing of the tables that use it: they
name themselves (``column``) and their layout (``shape``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Connection, Dialect, Engine, Text
from sqlalchemy.types import TypeDecorator

from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import Sensitivity, system_name
from lianban.security.bound import Bind, attach, attached
from lianban.security.fieldcrypt.cipher import KEYS_VARIABLE, PREFIX, DataKeyring, is_sealed

__all__ = [
    "RESULT_KEYS",
    "FieldEncryption",
    "ProtectedJSON",
    "ProtectedKeys",
    "SealedText",
    "Shape",
    "field_encryption",
    "use_field_encryption",
]


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


def use_field_encryption(
    engine: Engine | Connection, keyring: DataKeyring, catalogue: Catalogue
) -> FieldEncryption:
    """Give ``engine``'s protected columns these keys, protecting what ``catalogue`` marks personal
    (the platform does, where it builds its engine)."""
    crypt = FieldEncryption(keyring, ProtectedKeys.of(catalogue))
    attach(engine, "data", crypt)
    return crypt


def field_encryption(bind: Bind) -> FieldEncryption:
    """The field encryption of ``bind``'s engine (a session, sessions, a connection, an engine or
    the dialect a column type is handed); ``KeysMissing`` when its engine was given none."""
    crypt = attached(bind, "data", KEYS_VARIABLE)
    assert isinstance(crypt, FieldEncryption)
    return crypt


class Shape(StrEnum):
    """How a protected column's value is laid out."""

    FORM = "form"  # {canonical key: value, "employees": [{canonical key: value}, …]}
    PAYLOAD = "payload"  # {department system field name: value}
    WHOLE = "whole"  # the whole value is personal (a postal address)
    RESULT = "result"  # what a department issued: its number is personal (a social security card number)


RESULT_KEYS = frozenset({"number"})  # in a result, the values sealed; the document's name stays readable


_Visit = Callable[[str, bool, Any], Any]  # (path, protected?, value) -> new value


def _visit(shape: Shape, keys: ProtectedKeys, value: Any, visit: _Visit) -> Any:
    if shape is Shape.WHOLE:
        return visit("", True, value)
    if not isinstance(value, dict):
        return value
    names = keys.fields if shape is Shape.FORM else RESULT_KEYS if shape is Shape.RESULT else keys.payload
    out: dict[str, Any] = {}
    form = shape is Shape.FORM
    for name, v in value.items():
        if form and name == "employees" and isinstance(v, list):
            out[name] = [
                {
                    k: visit(f"employees.{i}.{k}", k in names, rv) if k in names or is_sealed(rv) else rv
                    for k, rv in row.items()
                }
                if isinstance(row, dict)
                else row
                for i, row in enumerate(v)
            ]
        elif name in names:
            out[name] = visit(name, True, v)
        elif isinstance(v, str) and v.startswith(PREFIX):  # is_sealed, inline: ~100 values a filing
            out[name] = visit(name, False, v)
        else:  # neither personal nor looking sealed: every visit leaves such a value as it is
            out[name] = v
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

    def open_field(self, name: str, value: Any, crypt: FieldEncryption) -> Any:
        """One top-level field's stored value, opened as :meth:`open` opens it in the whole
        (a form's ``person.mobile`` read alone, without decrypting the rest of the form)."""
        return crypt.keyring.open(value, self._context(name)) if is_sealed(value) else value

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
        return self.seal(value, field_encryption(dialect))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return self.open(value, field_encryption(dialect))


class SealedText(TypeDecorator[str]):
    """A text column whose every value is personal (a phone number, a name): stored ``enc:v1:…``
    under the data keys, bound to ``column``; a plain value written before still reads."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column

    def open(self, value: Any, crypt: FieldEncryption) -> Any:
        if value is None or not is_sealed(value):
            return value
        return str(crypt.keyring.open(value, self.column))

    def stale(self, value: Any, crypt: FieldEncryption) -> bool:
        """Whether a stored value is plain or under an older key (``lianban data rekey``)."""
        return value is not None and not (is_sealed(value) and crypt.keyring.is_current(value))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else field_encryption(dialect).keyring.seal(str(value), self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or not is_sealed(value):  # read without asking for keys
            return value
        return self.open(value, field_encryption(dialect))
