"""Domain errors (:mod:`lianban.domain_errors`) answered as RFC 9457 problem details."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from lianban.domain_errors import DomainError
from lianban.web.problems import FieldError, Problem, problem_response


def problem_of(error: DomainError) -> Problem:
    return Problem(
        error.status,
        error.title_zh,
        error.title_en,
        error.detail_zh,
        error.detail_en,
        [FieldError(e.field, e.code, e.message_zh, e.message_en) for e in error.errors],
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(request, problem_of(exc))
