"""RFC 9457 problem details (``application/problem+json``) with Chinese messages by default.

Every error the API gives goes through here: ``{"type", "title", "status", "detail", "errors":
[{"field", "code", "message"}]}``; ``Accept-Language: en`` gives English messages. The services'
domain errors (:mod:`lianban.errors`) are answered with their kind's status; :class:`Problem` is
for what only HTTP knows (a bad signature on a callback, a malformed multipart part).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lianban.errors import DomainError, FieldError

__all__ = [
    "PROBLEM_JSON",
    "FieldError",
    "Problem",
    "install",
    "invalid",
    "not_found",
    "problem_of",
    "problem_response",
    "validation_errors",
    "wants_english",
]

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """An error answer: status, title and detail in both languages, optional field errors."""

    def __init__(
        self,
        status: int,
        title_zh: str,
        title_en: str,
        detail_zh: str | None = None,
        detail_en: str | None = None,
        errors: Sequence[FieldError] = (),
        type_: str = "about:blank",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(title_en)
        self.status = status
        self.title_zh, self.title_en = title_zh, title_en
        self.detail_zh, self.detail_en = detail_zh, detail_en
        self.errors = list(errors)
        self.type = type_
        self.headers = dict(headers or {})  # e.g. Retry-After on a 429


def problem_of(error: DomainError) -> Problem:
    """A service's refusal as the API answers it: the kind's status, the same words."""
    return Problem(
        error.status, error.title_zh, error.title_en, error.detail_zh, error.detail_en, error.errors
    )


def wants_english(request: Request) -> bool:
    lang = request.headers.get("accept-language", "")
    first = lang.split(",")[0].strip().lower()
    return first.startswith("en")


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    en = wants_english(request)
    body: dict[str, Any] = {
        "type": problem.type,
        "title": problem.title_en if en else problem.title_zh,
        "status": problem.status,
        "detail": (problem.detail_en if en else problem.detail_zh)
        or (problem.title_en if en else problem.title_zh),
    }
    if problem.errors:
        body["errors"] = [
            {"field": e.field, "code": e.code, "message": e.message_en if en else e.message_zh}
            for e in problem.errors
        ]
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers)


def refusal_response(request: Request, refusal: Problem | DomainError) -> JSONResponse:
    """A refusal answered as every route's exception handler answers it: a problem as it is, a
    service's refusal by its kind (:func:`problem_of`) — for the layers before the router too."""
    return problem_response(request, refusal if isinstance(refusal, Problem) else problem_of(refusal))


def invalid(
    errors: Sequence[FieldError], title_zh: str = "请求参数有误", title_en: str = "Invalid request"
) -> Problem:
    """A 422 naming every field error, its detail joining their messages."""
    return Problem(
        422,
        title_zh,
        title_en,
        "；".join(e.message_zh for e in errors),
        "; ".join(e.message_en for e in errors),
        errors,
    )


def not_found(what_zh: str, what_en: str) -> Problem:
    return Problem(404, "未找到", "Not found", f"{what_zh}不存在", f"{what_en} does not exist")


_PYDANTIC_CODES = {
    "missing": ("required", "必填", "is required"),
    "int_parsing": ("format", "必须是整数", "must be an integer"),
    "int_type": ("format", "必须是整数", "must be an integer"),
    "date_parsing": ("format", "必须是 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("format", "必须是 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "date_type": ("format", "必须是 YYYY-MM-DD 格式的日期", "must be a date YYYY-MM-DD"),
    "greater_than_equal": ("range", "超出允许范围", "is out of range"),
    "less_than_equal": ("range", "超出允许范围", "is out of range"),
    "json_invalid": ("format", "不是有效的 JSON", "is not valid JSON"),
    "string_type": ("format", "必须是字符串", "must be a string"),
    "list_type": ("format", "必须是数组", "must be a list"),
    "dict_type": ("format", "必须是对象", "must be an object"),
    "model_attributes_type": ("format", "必须是对象", "must be an object"),
    "extra_forbidden": ("unknown", "不是可接受的字段", "is not an accepted field"),
}


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "path", "body", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors():
        field = _field_name(err.get("loc", ()))
        code, zh, en = _PYDANTIC_CODES.get(err.get("type", ""), ("format", "格式不正确", "is malformed"))
        out.append(FieldError(field, code, f"{field} {zh}", f"{field} {en}"))
    return out


def install(app: FastAPI) -> None:
    """Route every error through problem details."""

    @app.exception_handler(Problem)
    @app.exception_handler(DomainError)
    async def _refused(request: Request, exc: Problem | DomainError) -> JSONResponse:
        return refusal_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, invalid(validation_errors(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            401: ("未登录或凭证无效", "Not authenticated"),
            403: ("无权执行此操作", "Forbidden"),
            404: ("未找到", "Not found"),
            405: ("不支持的请求方法", "Method not allowed"),
            413: ("请求体过大", "Request body too large"),
        }
        zh, en = titles.get(exc.status_code, ("请求错误", "Request error"))
        return problem_response(request, Problem(exc.status_code, zh, en))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, Problem(500, "服务器内部错误", "Internal server error"))
