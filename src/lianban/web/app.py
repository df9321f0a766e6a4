"""The ASGI application: routers and problem details over one :class:`~lianban.bootstrap.Platform`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from lianban import __version__
from lianban.bootstrap import Platform, build_platform
from lianban.catalog.catalogue import Catalogue
from lianban.clock import Clock
from lianban.config import Settings, load_settings
from lianban.security.oidc import RelyingParty
from lianban.security.ratelimit import make_throttle
from lianban.security.startup import require_safe_keys
from lianban.sharing.providers import SharingHub
from lianban.web import oidc as oidc_login
from lianban.web import problems
from lianban.web.api import (
    applications,
    appointments,
    calendar,
    certificates,
    connectors,
    deliveries,
    department_routes,
    drafts,
    forms,
    health,
    operator,
    precheck,
    ratings,
    receipts,
    sheets,
    staff_auth,
    stats,
    themes,
    uploads,
    withdrawals,
    worklist,
)
from lianban.web.callbacks import Callbacks
from lianban.web.case_reads import CaseReads
from lianban.web.filings import Filings
from lianban.web.limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from lianban.web.no_store import NoStore
from lianban.web.pages import install_pages
from lianban.web.request_ids import RequestIds

DESCRIPTION = """lianban (联办) — one form, one set of materials, many departments.

The public HTTP contract of an 一件事一次办 platform: catalogue and one-time notification
(一次性告知), applications, department callbacks and worklists, working-day due dates and figures.
Errors are RFC 9457 problem details; messages are Chinese unless `Accept-Language: en`.
"""


def create_app(
    settings: Settings | None = None,
    catalogue: Catalogue | None = None,
    sharing: SharingHub | None = None,
    clock: Clock | None = None,
    platform: Platform | None = None,
) -> FastAPI:
    """The app over ``platform`` (built here from ``settings`` when not given).

    ``catalogue``, ``sharing`` and ``clock`` replace those parts of a platform built here (tests).
    The extensions active in the mode add their routes (the sandbox's login and
    ``/api/v1/sandbox/*``, in sandbox mode only); sandbox mode without ``lianban-sandbox`` installed
    is a ``ConfigError``.
    """
    if platform is None:
        settings = settings or load_settings()
        require_safe_keys(settings)  # production: no short or missing key (startup)
        platform = build_platform(settings, clock=clock, catalogue=catalogue, sharing=sharing)
    settings = platform.settings
    docs = settings.sandbox or settings.security.api_docs

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the thread pool of the blocking handlers: as many as LIANBAN_THREADS (not anyio's 40)
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, settings.threads)
        yield

    app = FastAPI(
        title="lianban 联办",
        version=__version__,
        description=DESCRIPTION,
        # the OpenAPI document is the published contract (API.md) for integrators; the
        # interactive docs page is production's only when LIANBAN_API_DOCS=on (policy)
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs" if docs else None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.platform = platform
    # views of the platform's parts, for handlers and tests that read them directly
    app.state.settings = settings
    app.state.clock = platform.clock
    app.state.catalogue = platform.catalogue
    app.state.engine = platform.engine
    app.state.sessions = platform.sessions
    app.state.sharing = platform.sharing
    app.state.plugins = platform.plugins
    app.state.department_keys = platform.department_keys
    app.state.secret_key = platform.secret_key
    app.state.metrics = stats.metrics_registry(platform.sessions, platform.clock, platform.worker_errors)
    app.state.worker = None  # the in-process dispatcher, when `lianban serve` runs one (/readyz)
    oidc = settings.security.oidc  # the province's identity provider (统一身份认证), when configured
    app.state.oidc = RelyingParty(oidc) if oidc is not None else None
    app.state.department_systems = None  # simulated departments, when this process runs them (demo)
    app.state.department_urls = None  # their addresses then (else the deployment file's departments)
    security = settings.security
    app.state.throttle = make_throttle(
        platform.engine, security.redis_url, dict(security.rates), platform.secret_key
    )
    app.state.regional = platform.regional  # 好差评, 预约, drafts: per region
    problems.install(app)
    app.add_middleware(Filings)  # the usual filing answered before the router, its body limited
    app.add_middleware(Callbacks)  # a department's signed callback too
    app.add_middleware(BodySizeLimit, max_bytes=DEFAULT_MAX_BODY_BYTES)
    app.add_middleware(CaseReads)  # one case read answered before the router (a GET: no body to limit)
    app.add_middleware(NoStore)  # Cache-Control: no-store on every answer but /static (the case read's too)
    app.add_middleware(RequestIds)  # outermost: every answer carries its X-Request-ID
    app.include_router(health.router)
    app.include_router(themes.router)
    app.include_router(forms.router)
    app.include_router(precheck.router)
    app.include_router(sheets.router)
    app.include_router(calendar.router)
    app.include_router(uploads.router)
    app.include_router(applications.router)
    app.include_router(deliveries.router)
    app.include_router(connectors.router)
    app.include_router(worklist.router)
    app.include_router(stats.router)
    app.include_router(operator.router)
    app.include_router(staff_auth.router)
    app.include_router(oidc_login.router)
    app.include_router(ratings.router)
    app.include_router(appointments.router)
    app.include_router(drafts.router)
    app.include_router(withdrawals.router)
    app.include_router(receipts.router)
    app.include_router(certificates.router)
    app.include_router(department_routes.router)
    platform.plugins.add_routes(app)  # the sandbox's login and /api/v1/sandbox/* in sandbox mode
    install_pages(app)
    return app
