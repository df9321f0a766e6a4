"""Answers are not kept in caches (不缓存): ``Cache-Control: no-store`` on every answer of the
platform but its static assets, unless the answer sets its own ``Cache-Control``.

A case, 我的办件, a page with a prefilled form carry an applicant's personal data; a browser, a
shared computer in a service hall or a proxy between them must not keep a copy. Marking each
route would leave out the one forgotten, so the rule is the other way round: every answer is
``no-store`` (the catalogue too: it is small and read once per page) except what is the same for
everyone and has no personal data by construction, the files under ``/static``. The case-read
fast path (:mod:`lianban.web.case_reads`) answers inside this, so it is covered too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lianban.web.case_reads import route_path

HEADER = b"cache-control"
NO_STORE = (HEADER, b"no-store")
PUBLIC = ("/static/",)  # styles, scripts, fonts, vendored libraries: cacheable


class NoStore:
    """ASGI middleware: ``Cache-Control: no-store`` on every answer outside :data:`PUBLIC` that
    does not set a ``Cache-Control`` itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope).startswith(PUBLIC):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == HEADER for name, _ in headers):
                    message["headers"] = [*headers, NO_STORE]
            await send(message)

        await self.app(scope, receive, send_no_store)
