"""``lianban serve --workers N``: the API in N processes on one port (多进程), for PostgreSQL.

One Python process runs one thread of Python at a time; N processes use N cores. uvicorn's
supervisor starts the N processes (each builds its own platform from the environment with
:func:`app`, each with its own connection pool) and restarts one that dies. SQLite is refused:
one file has one writer, and the in-process worker (SQLite's dispatcher) is a single process's —
with several processes, dispatch runs in ``lianban worker`` processes.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from lianban.config import Settings, load_settings
from lianban.db import is_sqlite
from lianban.logs import configure_logging
from lianban.security.startup import refuse_unready_schema, require_safe_keys


class SeveralProcessesRefused(ValueError):
    """``--workers`` above one where it cannot work (SQLite)."""


def app() -> FastAPI:
    """One serving process's application (uvicorn calls it in each process: ``factory=True``)."""
    from lianban.web.app import create_app

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    require_safe_keys(settings)
    return create_app(settings)


def serve_processes(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve in ``workers`` processes until SIGINT/SIGTERM (the settings' database must be PostgreSQL)."""
    import uvicorn
    from sqlalchemy import create_engine

    if is_sqlite(settings.database_url):
        raise SeveralProcessesRefused(
            "SQLite 只能单进程服务（一个文件一个写入者）；多进程请用 PostgreSQL / "
            "several processes need PostgreSQL (a SQLite file has one writer)"
        )
    require_safe_keys(settings)
    if not settings.sandbox:  # checked once here, before any process starts
        engine = create_engine(settings.database_url)
        try:
            refuse_unready_schema(engine, settings.database_url)
        finally:
            engine.dispose()
    # the processes build their settings from the environment: the command line's database too
    os.environ["LIANBAN_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "lianban.cli.processes:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
