"""Errors the feature services raise (业务错误), each with Chinese and English words.

The platform's domain errors (:mod:`lianban.errors`), re-exported with the feature rooms' helpers
(one class hierarchy: the API and the pages answer both the same way): a service says what went wrong in domain terms —
invalid input naming each field, an object not there for this caller, a caller who may not act,
a state or rule that refuses the operation (naming the rule as the error's code) — and the API
turns it into an RFC 9457 problem. Services never import the web layer.
"""

from __future__ import annotations

from lianban.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    invalid,
    not_found,
)

__all__ = [
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "invalid",
    "invalid_field",
    "not_found",
    "refused_by_rule",
]


def invalid_field(field: str, code: str, zh: str, en: str) -> Invalid:
    return invalid([FieldError(field, code, zh, en)])


def refused_by_rule(field: str, rule: str, zh: str, en: str) -> Conflict:
    """A 409 naming the rule that refuses the operation (``errors[0].code``) and the field it reads."""
    return Conflict(zh, en, errors=[FieldError(field, rule, zh, en)])
