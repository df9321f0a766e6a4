"""Keys carried by the engine (随引擎的密钥): what the column types of one platform seal and hash with.

A SQLAlchemy column type (``TypeDecorator``) is handed the dialect of the engine it works for, never
the connection or the session — and every engine has its own dialect. So the platform
(:mod:`lianban.bootstrap`) attaches the keys to the engine it builds (:func:`attach`), the column
types read them from the dialect they are handed (:func:`attached`), and code that seals or hashes
outside a statement (a filing sealed before its transaction, ``lianban data rekey``, a migration)
asks its session, sessions, connection or engine. Nothing is kept in a module: two platforms in one
process (the tests run several) each use their own keys, and an engine that was given none refuses
to seal, open or hash instead of guessing from the environment.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.orm import Session, sessionmaker

Bind = Engine | Connection | Session | sessionmaker[Any] | Dialect
_PREFIX = "lianban_keys_"


class KeysMissing(LookupError):
    """The engine was built without the keys a protected column needs (not by the platform);
    ``variable`` names the setting that gives them (``LIANBAN_DATA_KEYS`` …), when known."""

    def __init__(self, message: str, variable: str | None = None) -> None:
        super().__init__(message)
        self.variable = variable


def dialect_of(bind: Bind) -> Dialect:
    if isinstance(bind, Dialect):
        return bind
    if isinstance(bind, sessionmaker):
        engine = bind.kw.get("bind")
        if engine is None:
            raise KeysMissing("these sessions are bound to no engine, so to no keys")
        return dialect_of(engine)
    if isinstance(bind, Session):
        return bind.get_bind().dialect
    return bind.dialect


def attach(engine: Engine | Connection, name: str, value: object) -> None:
    """Give ``engine`` (its dialect: every connection and column type of it) the ``name`` keys."""
    setattr(engine.dialect, _PREFIX + name, value)


def attached(bind: Bind, name: str, variable: str) -> object:
    """The ``name`` keys of ``bind``'s engine; :class:`KeysMissing` naming ``variable`` when none."""
    found = getattr(dialect_of(bind), _PREFIX + name, None)
    if found is None:
        raise KeysMissing(
            f"this database engine carries no {name} keys ({variable}): build it with the platform "
            "(lianban.bootstrap.build_platform or keyed_engine), which attaches them",
            variable,
        )
    return found


__all__ = ["Bind", "KeysMissing", "attach", "attached", "dialect_of"]
