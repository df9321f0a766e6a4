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
    """Migrate, seed the sandbox and serve with the simulated departments until SIGINT/SIGTERM.

    The first start files the demo's opening cases (:mod:`lianban_sandbox.seed`): items waiting in
    the 医保 worklist, one overdue, and an open 差评 follow-up."""
    # imported here: the command line imports this module while it is being imported itself
    from lianban.cli.common import console, settings_or_exit
    from lianban.cli.main import prepare_database, serve_platform

    settings = settings_or_exit(database_url, Mode.SANDBOX)
    added = prepare_database(settings)
    console.print(f"migrated; {added} new theme version(s) stored")
    from lianban_sandbox.seed import seed_demo

    seeded = seed_demo(settings)
    if seeded is not None:
        console.print(
            f"demo data: {len(seeded.waiting)} case(s) waiting in the 医保 worklist "
            f"({len(seeded.overdue)} overdue), one 差评 follow-up open ({seeded.rated})"
        )
    serve_platform(settings, host, port, simulate=True)
