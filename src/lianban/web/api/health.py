"""Liveness: GET /healthz."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from lianban import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database reachability")
def healthz(request: Request) -> dict[str, Any]:
    db = "ok"
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        db = "unreachable"
    return {
        "status": "ok" if db == "ok" else "degraded",
        "version": __version__,
        "mode": request.app.state.settings.mode.value,
        "database": db,
        "themes": len(request.app.state.catalogue.themes),
    }
