"""Each request's id (请求编号): taken from the caller's ``X-Request-ID`` when it is a sensible
token (a proxy or a department system tracing its own call), else made here; bound for every
record logged while the request is handled (:mod:`lianban.logs`), echoed on the answer, and the
request's own line (``lianban.http``: method, path, status, milliseconds) carries it."""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianban.logs import anew
from lianban.security.randomness import uuid4_hex

HEADER = "x-request-id"
HEADER_BYTES = HEADER.encode()
_SENSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
log = logging.getLogger("lianban.http")


def request_id_of(scope: Scope) -> str:
    given = dict(scope.get("headers") or []).get(HEADER_BYTES, b"").decode("latin-1")
    return given if _SENSIBLE.fullmatch(given) else uuid4_hex()


class RequestIds:
    """ASGI middleware: the request id bound, echoed, and one line logged per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_of(scope)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (HEADER_BYTES, rid.encode())]
            await send(message)

        with anew(request_id=rid):  # no case or job of an earlier request on this task
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:  # what no handler answered: logged here, with the request's id
                log.exception("unhandled error answering %s %s", scope.get("method"), scope.get("path"))
                raise
            finally:
                if log.isEnabledFor(logging.INFO):  # the line's fields built only when it is written
                    log.info(
                        "%s %s %s",
                        scope.get("method"),
                        scope.get("path"),
                        status,
                        extra={
                            "method": scope.get("method"),
                            "path": scope.get("path"),
                            "status": status,
                            "ms": round((time.perf_counter() - started) * 1000, 1),
                        },
                    )
