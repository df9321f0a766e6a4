"""What every ``lianban`` command shares: the consoles, the common options, the settings."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from lianban.config import ConfigError, Mode, Settings, load_settings

console = Console()
err = Console(stderr=True)

HostOpt = Annotated[str, typer.Option(help="address to listen on")]
PortOpt = Annotated[int, typer.Option(help="port to listen on")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL (default: LIANBAN_DATABASE_URL or a SQLite file under ./var)"
    ),
]


def settings_or_exit(database_url: str | None, mode: Mode | None = None) -> Settings:
    """The settings, or exit 2 naming what is wrong with them."""
    try:
        return load_settings(database_url=database_url, mode=mode)
    except ConfigError as exc:
        err.print(f"[red]配置错误 / configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
