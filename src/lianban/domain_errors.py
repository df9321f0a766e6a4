"""Errors the domain services raise (业务错误), each with Chinese and English words.

A service says what went wrong in domain terms — the request is invalid (naming each field), the
object is not there for this caller, the caller may not act, or the object's state refuses the
operation (naming the rule) — and the API turns it into an RFC 9457 problem, the pages into a
message beside the field. Services never import the web layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class FieldIssue:
    """One field's problem: ``field`` as the request names it, ``code`` a stable machine word."""

    field: str
    code: str
    message_zh: str
    message_en: str


class DomainError(Exception):
    """Base of the four kinds; ``status`` is the HTTP status the API answers with."""

    status: ClassVar[int] = 400
    title_zh: ClassVar[str] = "请求错误"
    title_en: ClassVar[str] = "Request error"

    def __init__(self, detail_zh: str, detail_en: str, errors: Sequence[FieldIssue] = ()) -> None:
        super().__init__(detail_en)
        self.detail_zh, self.detail_en = detail_zh, detail_en
        self.errors = list(errors)


class Invalid(DomainError):
    status = 422
    title_zh, title_en = "请求参数有误", "Invalid request"

    @classmethod
    def field(cls, field: str, code: str, zh: str, en: str) -> Invalid:
        return cls(zh, en, [FieldIssue(field, code, zh, en)])


class NotFound(DomainError):
    """Also what a caller gets for an object it may not see: its existence is not revealed."""

    status = 404
    title_zh, title_en = "未找到", "Not found"

    @classmethod
    def of(cls, what_zh: str, what_en: str) -> NotFound:
        return cls(f"{what_zh}不存在", f"{what_en} does not exist")


class Forbidden(DomainError):
    status = 403
    title_zh, title_en = "无权执行此操作", "Forbidden"


class Conflict(DomainError):
    """The object's state or a rule refuses the operation; ``errors`` name the rule as the code."""

    status = 409
    title_zh, title_en = "状态冲突", "Conflict"

    @classmethod
    def rule(cls, field: str, rule: str, zh: str, en: str) -> Conflict:
        return cls(zh, en, [FieldIssue(field, rule, zh, en)])
