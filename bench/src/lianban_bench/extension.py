"""The bench as a lianban extension (entry point ``lianban.extensions: bench``): ``lianban bench``.

It adds a command only; the app never loads it (no modes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lianban.extensions import Extension

if TYPE_CHECKING:
    import typer


class BenchExtension(Extension):
    name = "bench"

    def add_commands(self, cli: typer.Typer) -> None:
        from lianban_bench.cli import bench

        cli.command()(bench)
