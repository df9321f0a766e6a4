"""``lianban`` — the command line (Typer + Rich): serving, the worker, migrations and the theme
catalogue here; the operators' ``jobs`` and ``data`` in :mod:`.operations`, ``staff`` in :mod:`.staff`."""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lianban.cli.audit import audit_app
from lianban.cli.common import (
    Commands,
    DbOpt,
    HostOpt,
    PortOpt,
    console,
    err,
    require_keys,
    settings_or_exit,
)
from lianban.cli.operations import data_app, jobs_app
from lianban.cli.staff import staff_app
from lianban.config import ConfigError, Settings
from lianban.extensions import installed
from lianban.logs import configure_logging
from lianban.security.startup import masked_url, refuse_unready_schema, require_safe_keys

log = logging.getLogger("lianban.worker")

app = typer.Typer(
    help="lianban 联办 — 一件事一次办 platform", no_args_is_help=True, add_completion=False, cls=Commands
)
themes_app = typer.Typer(help="主题目录 — the theme catalogue", no_args_is_help=True)
app.add_typer(themes_app, name="themes")
app.add_typer(jobs_app, name="jobs")
app.add_typer(data_app, name="data")
app.add_typer(staff_app, name="staff")
app.add_typer(audit_app, name="audit")


def prepare_database(settings: Settings) -> int:
    """Migrate to the newest schema and store the catalogue's theme versions; returns new versions."""
    from lianban.bootstrap import keyed_engine
    from lianban.cases.theme_store import store_themes
    from lianban.catalog.catalogue import default_catalogue
    from lianban.db import session_factory
    from lianban.migrate import upgrade

    # a migration may convert existing rows (keyed hashes, ciphertexts) with the keys the settings
    # give, each one that is set; without one it needs, a migration that has rows to convert stops
    # with the line naming the missing settings (Commands)
    engine = keyed_engine(settings, required=False)
    try:
        upgrade(settings.database_url, engine=engine)
        with session_factory(engine)() as session, session.begin():
            return store_themes(session, default_catalogue(settings.themes_dir))
    finally:
        engine.dispose()


def serve_platform(
    settings: Settings, host: str, port: int, simulate: bool = False, in_process_worker: bool = True
) -> None:
    """Serve in the foreground until SIGINT/SIGTERM; ``simulate``: with the department systems an
    extension runs (the sandbox's simulators, under ``lianban demo``)."""
    import uvicorn

    from lianban.bootstrap import build_platform
    from lianban.dispatch.in_process import InProcessWorker
    from lianban.dispatch.worker import Dispatcher
    from lianban.extensions import DepartmentSystems
    from lianban.security.signing import SignatureError
    from lianban.security.tokens import TokenError
    from lianban.web.app import create_app

    require_keys(settings, tokens=True, start=True)  # keys not set: one line saying how to make them
    configure_logging(settings.log_format, settings.log_level)  # JSON lines with the ids
    try:
        require_safe_keys(settings)  # production: no short or missing key (startup)
        platform = build_platform(settings)
        application = create_app(platform=platform)  # reads the token key: refused here without one
        if not settings.sandbox:
            refuse_unready_schema(application.state.engine, settings.database_url)
    except (TokenError, ConfigError, SignatureError) as exc:
        err.print(f"[red]配置错误 / configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    base = f"http://{host}:{port}"
    systems: DepartmentSystems | None = None
    urls: dict[str, str] | None = None  # the deployment file's department addresses
    if simulate:
        # e.g. the eight simulated department systems, each a real HTTP service with its own store
        systems = platform.plugins.department_systems(settings, platform.department_keys)
        if systems is None:
            err.print("[red]no extension runs department systems (install lianban-sandbox)[/]")
            raise typer.Exit(2)
        urls = systems.start()
        application.state.department_systems = systems
        application.state.department_urls = urls  # the operator desk: these departments have a system
    # callbacks come to LIANBAN_PUBLIC_URL when set (behind a proxy), else to where this serves
    worker = InProcessWorker(
        Dispatcher(
            platform.sessions,
            platform.catalogue,
            platform.dispatch_config(served_at=base, department_urls=urls),
            clock=platform.clock,
            errors=platform.worker_errors,  # counted on this process's /metrics
        )
    )
    if in_process_worker:
        worker.start()
        application.state.worker = worker  # /readyz asks whether it is alive
    console.print(f"[bold]lianban[/] {settings.mode.value} · database {masked_url(settings.database_url)}")
    console.print(f"  API        {base}/api/v1/themes")
    if application.openapi_url:
        console.print(f"  OpenAPI    {base}/api/v1/openapi.json")
        console.print(f"  API docs   {base}/api/v1/docs")
    console.print(f"  health     {base}/healthz · ready {base}/readyz")
    console.print("Ctrl-C stops.", style="dim")
    sys.stdout.flush()
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was installed before it: make that a no-op so a requested stop exits with status 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _sig, _frame: None)
    if systems is not None and urls is not None:
        for dept, url in urls.items():
            console.print(f"  {dept:<18} {url}", style="dim")
    try:
        # uvicorn's own records go to the root logger, as JSON lines like every other; its HTTP
        # parser and event loop are httptools and uvloop (dependencies; uvicorn picks them itself):
        # a filing's request and answer cost the server ~0.09 ms less CPU than h11 and asyncio's
        uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False, log_config=None)
    finally:
        worker.stop()
        if systems is not None:
            systems.stop()
    console.print("stopped")


@app.command()
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    database_url: DbOpt = None,
    in_process_worker: Annotated[
        bool,
        typer.Option(
            "--in-process-worker/--no-in-process-worker",
            help="dispatch in this process too; turn off when separate `lianban worker` processes run",
        ),
    ] = True,
    migrate_first: Annotated[
        bool, typer.Option("--migrate", help="bring the database to the newest schema before serving")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            help="serving processes (PostgreSQL only; above 1 no in-process worker: run `lianban worker`)",
        ),
    ] = 1,
) -> None:
    """Serve the platform (production mode unless LIANBAN_MODE says otherwise).

    Production refuses to start on short or missing keys and on a database that is not at the
    newest schema: run `lianban migrate` first, or start with --migrate.
    """
    settings = settings_or_exit(database_url)
    require_keys(settings, tokens=True, start=True)
    if migrate_first:
        try:
            require_safe_keys(settings)  # refuse before touching the database
        except ConfigError as exc:
            err.print(f"[red]配置错误 / configuration error:[/] {exc}")
            raise typer.Exit(2) from exc
        added = prepare_database(settings)
        console.print(f"migrated; {added} new theme version(s) stored")
    if workers > 1:
        from lianban.cli.processes import serve_processes

        console.print(f"[bold]lianban[/] {settings.mode.value} · {workers} processes on http://{host}:{port}")
        try:
            serve_processes(settings, host, port, workers)
        except (ValueError, ConfigError) as exc:
            err.print(f"[red]配置错误 / configuration error:[/] {exc}")
            raise typer.Exit(2) from exc
        return
    serve_platform(settings, host, port, in_process_worker=in_process_worker)


@app.command()
def migrate(database_url: DbOpt = None) -> None:
    """Bring the database schema to the newest revision and store the catalogue's theme versions."""
    settings = settings_or_exit(database_url)
    added = prepare_database(settings)
    console.print(f"database at newest revision; {added} new theme version(s) stored")


@app.command()
def worker(
    database_url: DbOpt = None,
    interval: Annotated[float, typer.Option(help="seconds between polls when idle")] = 0.5,
    once: Annotated[bool, typer.Option("--once", help="handle what is due now, then exit")] = False,
    lease_seconds: Annotated[float, typer.Option(help="how long a claimed job is this worker's")] = 60.0,
) -> None:
    """Dispatch sub-items to departments: claim due outbox jobs (any number of workers on PostgreSQL)."""
    import time
    from datetime import timedelta

    from lianban.bootstrap import build_platform
    from lianban.dispatch.worker import Dispatcher
    from lianban.security.signing import SignatureError

    settings = settings_or_exit(database_url)
    require_keys(settings, start=True)  # before anything is set up
    configure_logging(settings.log_format, settings.log_level)
    try:
        require_safe_keys(settings, tokens=False)
        platform = build_platform(settings)
    except (SignatureError, ConfigError) as exc:
        err.print(f"[red]配置错误 / configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    engine = platform.engine
    if not settings.sandbox:
        try:
            refuse_unready_schema(engine, settings.database_url)
        except ConfigError as exc:
            err.print(f"[red]配置错误 / configuration error:[/] {exc}")
            raise typer.Exit(2) from exc
    config = platform.dispatch_config(lease=timedelta(seconds=lease_seconds))
    urls = config.department_urls
    dispatcher = Dispatcher(platform.sessions, platform.catalogue, config, clock=platform.clock)
    stopping = False

    def stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    console.print(f"worker: {len(urls)} department endpoint(s); database {masked_url(settings.database_url)}")
    sys.stdout.flush()
    try:
        while not stopping:
            try:
                taken = dispatcher.run_once()
            except Exception as exc:
                log.exception("worker round failed, retrying")
                err.print(f"round failed, retrying: {type(exc).__name__}: {exc}")
                engine.dispose()
                taken = 0
                time.sleep(interval)
            if once:
                break
            if not taken:
                time.sleep(interval)
    finally:
        dispatcher.close()
        engine.dispose()


@themes_app.command("list")
def themes_list() -> None:
    """List the themes with their item counts."""
    from lianban.catalog.catalogue import default_catalogue

    cat = default_catalogue(settings_or_exit(None).themes_dir)
    table = Table("id", "名称", "地区", "申请人", "事项")
    for t in cat.themes.values():
        table.add_row(t.id, t.name, t.region_name, t.applicant_type, str(len(t.items)))
    console.print(table)


@themes_app.command("show")
def themes_show(
    theme_id: str, as_json: Annotated[bool, typer.Option("--json", help="print the whole definition")] = False
) -> None:
    """Show one theme: its items, limits and departments (or --json for everything)."""
    from lianban.catalog.catalogue import default_catalogue

    cat = default_catalogue(settings_or_exit(None).themes_dir)
    if theme_id not in cat.themes:
        err.print(f"未知主题 / unknown theme: {theme_id}")
        raise typer.Exit(1)
    if as_json:
        console.print_json(json.dumps(cat.theme_json(theme_id), ensure_ascii=False))
        return
    t = cat.themes[theme_id]
    console.print(f"[bold]{t.name}[/] ({t.id}) — {t.region_name}, {t.lead_agency}")
    table = Table("code", "事项", "部门", "系统", "法定", "承诺", "等待")
    for it in t.items:
        p = it.time_limit.promised_days
        table.add_row(
            it.code,
            it.name,
            it.department.value,
            it.system,
            str(it.time_limit.legal_days),
            f"{p[0]}–{p[1]}" if isinstance(p, tuple) else str(p),
            ", ".join([*it.waits_for, *(f"any:{w}" for w in it.waits_for_any)]),
        )
    console.print(table)


@themes_app.command("check")
def themes_check(
    path: Annotated[
        Path | None, typer.Argument(help="a theme file or a folder of them (default: the catalogue)")
    ] = None,
) -> None:
    """Check theme files; exits non-zero with one line per finding (Chinese / English)."""
    from lianban.catalog.check import check_default, check_paths

    if path is None:
        findings = check_default(settings_or_exit(None).themes_dir)
        checked = "catalogue"
    else:
        if not path.exists():
            err.print(f"路径不存在 / path does not exist: {path}")
            raise typer.Exit(2)
        paths = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        findings = check_paths(paths)
        checked = str(path)
    for f in findings:
        print(str(f))
    if findings:
        print(f"{len(findings)} 个问题 / {len(findings)} finding(s) in {checked}", file=sys.stderr)
        raise typer.Exit(1)
    print(f"主题检查通过 / themes check passed: {checked}")


# commands of the installed extensions (``lianban demo`` from lianban-sandbox, ``lianban bench``
# from lianban-bench); last, so that they may use what this module defines
for _extension in installed():
    _extension.add_commands(app)


def main() -> None:  # pragma: no cover - console entry point
    app()
