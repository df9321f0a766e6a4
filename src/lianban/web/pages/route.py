"""The route class of every page router: CSRF checked on every POST, errors rendered as pages.

A page router is ``APIRouter(route_class=PageRoute, include_in_schema=False)``: the check runs
before the handler (and its dependencies), so no handler can forget it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from lianban.errors import DomainError
from lianban.web.pages.rendering import GoElsewhere, error_page, redirect
from lianban.web.pages.session import CSRF_FIELD, CSRF_HEADER, csrf_ok
from lianban.web.problems import Problem, invalid, problem_of, validation_errors

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)


def csrf_refused() -> Problem:
    return Problem(
        403,
        "页面已过期",
        "This page has expired",
        "为保护您的安全，请返回上一页，刷新后重新提交。",
        "To keep you safe, go back, reload the page and send it again.",
    )


async def _sent_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)  # Starlette keeps the parsed form for the handler
        return value if isinstance(value, str) else None
    return None


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                if request.method not in SAFE_METHODS and not csrf_ok(request, await _sent_token(request)):
                    raise csrf_refused()
                return await handler(request)
            except GoElsewhere as elsewhere:  # e.g. to the login page and back
                return redirect(request, elsewhere.target)
            except Problem as problem:
                return error_page(request, problem)
            except DomainError as error:  # a service's refusal (not found, forbidden, conflict …)
                return error_page(request, problem_of(error))
            except RequestValidationError as exc:
                return error_page(request, invalid(validation_errors(exc)))
            except StarletteHTTPException as exc:
                return error_page(request, http_problem(exc.status_code))
            except Exception:
                log.exception("page %s %s failed", request.method, request.url.path)
                return error_page(request, Problem(500, "系统繁忙", "Something went wrong", *_SORRY))

        return page_handler


HTTP_TITLES = {
    400: ("请求有误", "Bad request"),
    401: ("请先登录", "Please log in"),
    403: ("无权访问", "Forbidden"),
    404: ("页面不存在", "Page not found"),
    405: ("不支持的请求方法", "Method not allowed"),
    413: ("提交的内容过大", "Request too large"),
}


_SORRY = ("服务暂时出了问题，请稍后再试。", "Please try again later.")


def http_problem(status: int) -> Problem:
    zh, en = HTTP_TITLES.get(status, ("请求错误", "Request error"))
    if status == 404:
        return Problem(
            404,
            zh,
            en,
            "您要找的页面不存在或已移动，请从首页重新进入。",
            "The page does not exist or has moved.",
        )
    return Problem(status, zh, en)
