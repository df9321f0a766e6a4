"""``lianban audit`` — the tamper-evident audit log (防篡改审计日志): verify, prune.

``verify`` exits 1 naming the first entry that does not fit its chain and, when the keys are set,
every entry whose encrypted actor copy does not match its hashed actor (without the keys it checks
the chains and says the copies were not checked); ``prune`` drops the days
older than the retention (``LIANBAN_AUDIT_RETENTION_DAYS``, at least 183), each leaving an anchor
entry with its last hash, so what is left still verifies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console

from lianban.bootstrap import keyed_engine
from lianban.cli.common import require_keys
from lianban.config import ConfigError, load_settings
from lianban.db import session_factory
from lianban.security.audit import prune, verify

audit_app = typer.Typer(help="审计日志 — the tamper-evident audit log", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL (default: LIANBAN_DATABASE_URL)")
]


def _sessions(database_url: str | None, keys: bool = False):  # type: ignore[no-untyped-def]
    try:
        settings = load_settings(database_url=database_url)
    except ConfigError as exc:
        err.print(f"[red]配置错误 / configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    if keys:
        require_keys(settings)  # production without them: one line naming them
    # with the keys when the settings give them: prune appends an anchor entry (its actor hashed);
    # verifying the chains needs none, checking the actors' copies both
    return settings, session_factory(keyed_engine(settings, required=False), {})


@audit_app.command("verify")
def audit_verify(
    database_url: DbOpt = None,
    day: Annotated[str | None, typer.Option("--day", help="only this day (YYYY-MM-DD, Beijing)")] = None,
) -> None:
    """Check every day's hash chain and, with the keys, every actor's copy; name what does not fit."""
    _, sessions = _sessions(database_url)
    with sessions() as session:
        report = verify(session, date.fromisoformat(day) if day else None)
    days = ", ".join(d.isoformat() for d in report.days) or "—"
    if report.chain_intact:
        console.print(
            f"审计日志完整 / audit log intact: {report.entries} entries, days {days}"
            + (f"; {len(report.pruned_days)} pruned day(s) anchored" if report.pruned_days else ""),
            soft_wrap=True,
        )
    else:
        err.print(f"[red]审计日志被篡改 / audit log broken[/] at {report.first_broken}")
    if report.copies_checked is None:
        console.print(
            f"未核对操作人加密副本：缺少密钥 {'、'.join(report.copies_unchecked)}，只校验了哈希链"
            " / actor copies not checked (no keys)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    elif report.bad_copies:
        err.print(
            f"操作人加密副本不符 / actor copies do not match: {len(report.bad_copies)} 条，"
            "这些记录显示的操作人不可信：",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        for line in report.bad_copies:
            err.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    else:
        console.print(
            f"操作人加密副本已核对 {report.copies_checked} 条，均与哈希链相符 / actor copies match",
            soft_wrap=True,
        )
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command("prune")
def audit_prune(
    database_url: DbOpt = None,
    keep_days: Annotated[
        int | None,
        typer.Option("--keep-days", help="days to keep (default LIANBAN_AUDIT_RETENTION_DAYS, ≥ 183)"),
    ] = None,
) -> None:
    """Drop the days past the retention, each after an anchor entry carrying its last hash."""
    settings, sessions = _sessions(database_url, keys=True)  # an anchor's actor is hashed and sealed
    keep = keep_days if keep_days is not None else settings.audit_retention_days
    try:
        with sessions() as session, session.begin():
            dropped = prune(session, keep, datetime.now(UTC))
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    for day, count in dropped.items():
        console.print(f"{day.isoformat()}: {count} entries pruned, anchored")
    if not dropped:
        console.print(f"nothing older than {keep} days")
