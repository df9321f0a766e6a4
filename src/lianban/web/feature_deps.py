"""What the feature routers (好差评, 预约, drafts, receipts) read from the running app, beside
:mod:`lianban.web.deps`: the instant on the platform's clock and the regional rules."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request

from lianban.appointments.halls import Hall, load_halls
from lianban.regional import RegionalSettings
from lianban.web.deps import clock_of


def now_of(request: Request) -> datetime:
    """The platform clock's instant (aware UTC)."""
    return clock_of(request).now()


def halls_of(request: Request) -> dict[str, Hall]:
    """The service halls of the deployment's halls file (read once, checked when the app starts)."""
    return load_halls(regional_of(request).halls_file)


def regional_of(request: Request) -> RegionalSettings:
    regional: RegionalSettings = request.app.state.regional
    return regional
