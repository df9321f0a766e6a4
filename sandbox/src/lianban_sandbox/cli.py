"""``lianban demo``: the whole platform in sandbox mode on one machine (added by the sandbox extension)."""

from __future__ import annotations

from typing import Annotated

import typer

from lianban.config import Mode


def demo(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL (default: LIANBAN_DATABASE_URL or a SQLite file under ./var)",
        ),
    ] = None,
) -> None:
    """Migrate, seed the sandbox and serve with the simulated departments until SIGINT/SIGTERM."""
    # imported here: the command line imports this module while it is being imported itself
    from lianban.cli.main import console, prepare_database, serve_platform, settings_or_exit

    settings = settings_or_exit(database_url, Mode.SANDBOX)
    added = prepare_database(settings)
    console.print(f"migrated; {added} new theme version(s) stored")
    serve_platform(settings, host, port, simulate=True)
