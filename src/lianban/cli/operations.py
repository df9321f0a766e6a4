"""The operators' commands: ``lianban jobs`` (sub-items dispatch gave up on, retried) and
``lianban data`` (personal data encrypted at rest, re-keyed)."""

from __future__ import annotations

from typing import Annotated

import typer

from lianban.cli.common import DbOpt, console, err, keyed_engine_or_exit, settings_or_exit

jobs_app = typer.Typer(help="推送任务 — dispatch jobs an operator looks after", no_args_is_help=True)
data_app = typer.Typer(help="个人信息加密 — personal data encrypted at rest", no_args_is_help=True)


@jobs_app.command("failed")
def jobs_failed(database_url: DbOpt = None) -> None:
    """List the sub-items whose dispatch was given up, with the last error."""
    from lianban.db import session_factory
    from lianban.dispatch.retry import failed_items

    engine = keyed_engine_or_exit(
        settings_or_exit(database_url)
    )  # the items are read whole, sealed payloads too
    with session_factory(engine)() as session:
        # one plain line per item, so scripts can read it: case, item, department, last error
        for item in failed_items(session):
            print(f"{item.case_id}\t{item.item_id}\t{item.department}\t{(item.reason or '')[:200]}")
    engine.dispose()


@jobs_app.command("retry")
def jobs_retry(
    case_id: str,
    item_id: Annotated[
        str | None, typer.Argument(help="one item; all failed items of the case when omitted")
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """Queue failed sub-items again (the worker sends them with the same idempotency key)."""
    from lianban.bootstrap import case_wiring
    from lianban.cases.schema import CaseItem
    from lianban.clock import SystemClock
    from lianban.db import session_factory
    from lianban.dispatch.retry import retry_item

    settings = settings_or_exit(database_url)
    engine = keyed_engine_or_exit(settings)  # the items' payloads are sealed
    retried = 0
    # the case moves on as in the platform: the deployment's themes, delivery policy and senders
    with session_factory(engine, case_wiring(settings).info())() as session, session.begin():
        ids = (
            [item_id]
            if item_id
            else [
                i.item_id
                for i in session.query(CaseItem).filter(
                    CaseItem.case_id == case_id, CaseItem.status == "failed"
                )
            ]
        )
        for one in ids:
            retried += retry_item(session, case_id, one, "operator:cli", SystemClock().now())
    engine.dispose()
    console.print(f"{retried} item(s) queued again")
    if not retried:
        raise typer.Exit(1)


@data_app.command("rekey")
def data_rekey(
    database_url: DbOpt = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="cases, drafts or audit entries per transaction")
    ] = 200,
) -> None:
    """Re-encrypt personal data under the first key of LIANBAN_DATA_KEYS; rows already under it are left alone."""
    from rich.progress import Progress

    from lianban.cases.rekey import rekey
    from lianban.db import session_factory
    from lianban.drafts.service import rekey_drafts
    from lianban.security.audit.rekey import rekey_actors
    from lianban.security.fieldcrypt import FieldCryptError, field_encryption

    settings = settings_or_exit(database_url)
    engine = keyed_engine_or_exit(settings)  # the data keys (first encrypts) and the lookup key
    key_id = field_encryption(engine).keyring.current.key_id
    try:
        with Progress(console=console) as bar:
            task = bar.add_task("重新加密 / re-encrypting", total=None)
            done = rekey(
                session_factory(engine), batch_size, lambda n, of: bar.update(task, completed=n, total=of)
            )
            drafts = bar.add_task("草稿 / drafts", total=None)  # drafts hold personal data too
            done += rekey_drafts(
                session_factory(engine), batch_size, lambda n: bar.update(drafts, completed=n)
            )
            audit = bar.add_task("审计日志 / audit log actors", total=None)  # the actors' encrypted copies
            done += rekey_actors(
                session_factory(engine, {}),
                batch_size,
                lambda n, of: bar.update(audit, completed=n, total=of),
            )
    except FieldCryptError as exc:
        err.print(f"[red]无法解密 / cannot decrypt:[/] {exc}")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    console.print(f"{done} row(s) re-encrypted; all personal data is under key {key_id}")
