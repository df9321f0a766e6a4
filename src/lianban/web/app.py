"""The ASGI application: routers, problem details, the catalogue and the database engine."""

from __future__ import annotations

from fastapi import FastAPI

from lianban import __version__
from lianban.appointments.halls import load_halls
from lianban.cases import progress
from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban.clock import Clock, SystemClock
from lianban.config import Settings, load_settings
from lianban.db import make_engine, session_factory
from lianban.regional import load_regional
from lianban.security.fieldcrypt import data_keyring, use_field_encryption
from lianban.security.oidc import RelyingParty
from lianban.security.ratelimit import make_throttle
from lianban.security.signing import NonceCache, platform_keyring
from lianban.security.startup import require_safe_keys
from lianban.security.tokens import secret_key
from lianban.sharing.providers import SharingHub
from lianban.sharing.sandbox import sandbox_hub
from lianban.web import domain_problems, problems
from lianban.web import oidc as oidc_login
from lianban.web.api import (
    applications,
    appointments,
    auth,
    calendar,
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
    sandbox,
    sandbox_departments,
    sheets,
    staff_auth,
    stats,
    themes,
    uploads,
    withdrawals,
    worklist,
)
from lianban.web.limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from lianban.web.pages import install_pages

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
) -> FastAPI:
    """The app; ``sharing`` is the data-sharing hub (the sandbox registry in sandbox mode).

    Production providers (the province's population, e-licence, education and business
    registries) plug in here; until a deployment configures them, production prefills nothing.
    """
    settings = settings or load_settings()
    require_safe_keys(settings)  # production: no short or missing key (startup)
    docs = settings.sandbox or settings.security.api_docs
    app = FastAPI(
        title="lianban 联办",
        version=__version__,
        description=DESCRIPTION,
        # production publishes its API docs only when LIANBAN_API_DOCS=on (policy)
        openapi_url="/api/v1/openapi.json" if docs else None,
        docs_url="/api/v1/docs" if docs else None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    progress.delivery_policy = settings.delivery  # when deliveries are followed up
    app.state.catalogue = catalogue or default_catalogue(settings.themes_dir)
    app.state.engine = make_engine(settings.database_url)
    app.state.sessions = session_factory(app.state.engine)
    app.state.sharing = sharing if sharing is not None else (sandbox_hub() if settings.sandbox else None)
    app.state.metrics = stats.metrics_registry(app.state.sessions, app.state.clock)
    app.state.worker = None  # the in-process dispatcher, when `lianban serve` runs one (/readyz)
    oidc = settings.security.oidc  # the province's identity provider (统一身份认证), when configured
    app.state.oidc = RelyingParty(oidc) if oidc is not None else None
    app.state.fleet = None  # the simulated departments, when this process runs them (lianban demo)
    app.state.keyring = platform_keyring(settings.data_dir, settings.sandbox, settings.signing_keys)
    data_keys = data_keyring(settings.data_dir, settings.sandbox, settings.data_keys, settings.data_cipher)
    use_field_encryption(data_keys, app.state.catalogue)  # personal data encrypted at rest (fieldcrypt)
    app.state.nonces = NonceCache()
    app.state.secret_key = secret_key(settings.data_dir, settings.sandbox, settings.secret_key)
    security = settings.security
    app.state.throttle = make_throttle(
        app.state.engine, security.redis_url, dict(security.rates), app.state.secret_key
    )
    app.state.regional = load_regional(settings.deployment_file)  # 好差评, 预约, drafts: per region
    load_halls(app.state.regional.halls_file)  # an unusable halls file stops the start
    problems.install(app)
    domain_problems.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=DEFAULT_MAX_BODY_BYTES)
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
    app.include_router(department_routes.router)
    if settings.sandbox:
        app.include_router(auth.router)
        app.include_router(sandbox.router)
        app.include_router(sandbox_departments.router)
        app.include_router(sandbox_departments.etax)
    install_pages(app)
    return app
