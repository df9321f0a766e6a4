"""What a request handler reads from the running platform: its clock, sessions and catalogue."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from lianban.bootstrap import Platform
from lianban.catalog.catalogue import Catalogue
from lianban.clock import Clock


def platform_of(request: Request) -> Platform:
    """The running platform (what the services are handed)."""
    platform: Platform = request.app.state.platform
    return platform


def clock_of(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def sessions_of(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


def catalogue_of(request: Request) -> Catalogue:
    cat: Catalogue = request.app.state.catalogue
    return cat


__all__ = ["catalogue_of", "clock_of", "platform_of", "sessions_of"]
