"""Domain errors (业务错误): what a service refuses and why, in Chinese and English.

Services raise these; the API answers them as RFC 9457 problem details
(:mod:`lianban.web.problems`: the kind gives the status) and the pages show them beside the field
they name. Each carries a title and a detail in both languages and, for invalid input, the field
errors (``field``, a stable ``code``, a message in each language).

| kind | status | when |
| --- | --- | --- |
| :class:`Invalid` | 422 | input that breaks a rule (with field errors) |
| :class:`Unauthenticated` | 401 | no or bad credentials, a bad signature |
| :class:`Forbidden` | 403 | the caller's role may not do this |
| :class:`NotFound` | 404 | no such thing — or one the caller may not see (never reveal it exists) |
| :class:`Conflict` | 409 | the thing's state does not allow it now (a second decision, a replayed key) |
| :class:`TooLarge` | 413 | a body or file over its limit |
| :class:`Unavailable` | 503 | a part the operation needs is not there now |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "TooLarge",
    "Unauthenticated",
    "Unavailable",
    "invalid",
    "invalid_field",
    "not_found",
    "refused_by_rule",
]


@dataclass(frozen=True)
class FieldError:
    """One field's problem: ``field`` as the request names it, a stable ``code``, both messages."""

    field: str
    code: str
    message_zh: str
    message_en: str


class DomainError(Exception):
    """A refusal with a title and a detail in both languages and optional field errors."""

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


class Unauthenticated(DomainError):
    status = 401
    default_title = ("未登录或凭证无效", "Not authenticated")


class Forbidden(DomainError):
    status = 403
    default_title = ("无权执行此操作", "Forbidden")


class NotFound(DomainError):
    status = 404
    default_title = ("未找到", "Not found")


class Conflict(DomainError):
    status = 409
    default_title = ("状态冲突", "Conflict")


class TooLarge(DomainError):
    status = 413
    default_title = ("请求体过大", "Request body too large")


class Unavailable(DomainError):
    status = 503
    default_title = ("服务暂不可用", "Service unavailable")


def invalid(
    errors: Sequence[FieldError], title: tuple[str, str] = ("请求参数有误", "Invalid request")
) -> Invalid:
    """Invalid input naming every field error; the detail joins their messages."""
    return Invalid(
        "；".join(e.message_zh for e in errors),
        "; ".join(e.message_en for e in errors),
        title=title,
        errors=errors,
    )


def not_found(what_zh: str, what_en: str) -> NotFound:
    """``what`` does not exist (or is not the caller's to see)."""
    return NotFound(f"{what_zh}不存在", f"{what_en} does not exist")


def invalid_field(field: str, code: str, message_zh: str, message_en: str) -> Invalid:
    """Invalid input in one field."""
    return invalid([FieldError(field, code, message_zh, message_en)])


def refused_by_rule(field: str, rule: str, message_zh: str, message_en: str) -> Conflict:
    """A 409 naming the rule that refuses the operation (``errors[0].code``) and the field it reads —
    e.g. a booking refused by ``one_per_day`` on ``date``."""
    return Conflict(message_zh, message_en, errors=[FieldError(field, rule, message_zh, message_en)])
