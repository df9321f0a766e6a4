"""``lianban bench``: the platform measured beside the floors of its machine (added by the bench extension)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)


def bench(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="PostgreSQL server the bench creates and drops its own databases on "
            "(default: LIANBAN_BENCH_POSTGRES_URL or postgres on 127.0.0.1:5432)",
        ),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="floor, submit, dispatch, fairness, status, batch, memory (repeatable; default all; "
            "floor and submit run together, with reading and, on PostgreSQL, serving processes)",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="the JSON results; the Markdown table goes beside it")
    ] = Path("bench/results.json"),
    quick: Annotated[bool, typer.Option("--quick", help="small sizes, every figure (for CI)")] = False,
    size: Annotated[
        list[str] | None,
        typer.Option(
            "--size",
            help="NAME=VALUE overriding one size of the run (repeatable), e.g. dispatch_cases=100 or "
            "status_sizes=10000,100000,1000000; the names are lianban_bench.run.Sizes' fields",
        ),
    ] = None,
) -> None:
    """Measure the platform beside the floors of this machine (SQLite and PostgreSQL)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from lianban_bench.results import write
    from lianban_bench.run import FULL, QUICK, chosen, planned_steps, postgres_url, resized, run_bench
    from lianban_bench.servers import BenchError

    try:
        sizes = resized(QUICK if quick else FULL, size or [])
        scenarios = chosen(scenario)
    except BenchError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    command = " ".join(["lianban", *sys.argv[1:]]) if sys.argv[1:2] == ["bench"] else "lianban bench"
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*columns, TimeElapsedColumn(), console=err) as progress:
        task = progress.add_task("starting", total=planned_steps(scenarios, sizes, quick))
        try:
            doc = run_bench(
                admin_url=database_url or postgres_url(),
                scenarios=scenarios,
                sizes=sizes,
                quick=quick,
                command=command,
                say=lambda message: progress.update(task, description=message),
                advance=lambda: progress.advance(task),
            )
        except BenchError as exc:
            err.print(f"[red]bench failed:[/] {exc}")
            if exc.partial is not None:
                err.print(f"what was measured before it: {out} and {write(exc.partial, out)}")
            raise typer.Exit(1) from exc
    md = write(doc, out)
    table = Table("figure", "value", "target", "met")
    for name, t in doc["targets"].items():
        table.add_row(name, f"{t['value']:g}", t["target"], "yes" if t["met"] else "no")
    console.print(table)
    console.print(f"results: {out} and {md}")
