"""Errors the feature services raise (业务错误), each with Chinese and English words.

Shaped as the platform's domain errors (``lianban.errors``, being landed by the core work) so the
feature rooms move over by changing one import: a service says what went wrong in domain terms —
invalid input naming each field, an object not there for this caller, a caller who may not act,
a state or rule that refuses the operation (naming the rule as the error's code) — and the API
turns it into an RFC 9457 problem. Services never import the web layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldError:
    """One field's problem: ``field`` as the request names it, a stable ``code``, both messages."""

    field: str
    code: str
    message_zh: str
    message_en: str


class DomainError(Exception):
    status: ClassVar[int] = 400
    default_title: ClassVar[tuple[str, str]] = ("请求错误", "Request error")

    def __init__(
        self,
        detail_zh: str | None = None,
        detail_en: str | None = None,
        *,
        title: tuple[str, str] | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        self.title_zh, self.title_en = title or self.default_title
        super().__init__(detail_en or self.title_en)
        self.detail_zh, self.detail_en = detail_zh, detail_en
        self.errors = list(errors)


class Invalid(DomainError):
    status = 422
    default_title = ("请求参数有误", "Invalid request")


class Forbidden(DomainError):
    status = 403
    default_title = ("无权执行此操作", "Forbidden")


class NotFound(DomainError):
    """Also what a caller gets for an object it may not see: its existence is not revealed."""

    status = 404
    default_title = ("未找到", "Not found")


class Conflict(DomainError):
    status = 409
    default_title = ("状态冲突", "Conflict")


def invalid(errors: Sequence[FieldError]) -> Invalid:
    """Invalid input naming every field error; the detail joins their messages."""
    return Invalid(
        "；".join(e.message_zh for e in errors), "; ".join(e.message_en for e in errors), errors=errors
    )


def invalid_field(field: str, code: str, zh: str, en: str) -> Invalid:
    return invalid([FieldError(field, code, zh, en)])


def not_found(what_zh: str, what_en: str) -> NotFound:
    return NotFound(f"{what_zh}不存在", f"{what_en} does not exist")


def refused_by_rule(field: str, rule: str, zh: str, en: str) -> Conflict:
    """A 409 naming the rule that refuses the operation (``errors[0].code``) and the field it reads."""
    return Conflict(zh, en, errors=[FieldError(field, rule, zh, en)])
