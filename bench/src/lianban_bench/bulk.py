"""Bulk-generated cases for the status-at-scale benchmark (批量生成办件).

``bulk_generate`` fills a migrated database with cases that look like real filings of one theme —
a Hubei graduate's eight sub-items (子件) with receipt numbers, due dates under the statutory
calendar, a timeline (no audit entries: the audit chain is written by filings only), the outbox jobs (all ``done``: no worker may pick them up),
the delivery (统一送达) and the in-app notices of finished cases — until the database holds the
number asked for, so 10k → 100k → 1M reuses what is there.

The rows are written with plain SQL for speed: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
Every value still goes through its column type's bind processor for the dialect, the same step
SQLAlchemy Core takes, so a ``TypeDecorator`` on a column (field encryption of ``Case.form``,
``CaseItem.payload``, ``Delivery.address``) applies exactly as it does through the ORM.

Written by hand because no library makes this domain's rows; generic fake-data libraries (Faker)
are slower per value and cannot give what is needed here: every value a function of
``(seed, case number)``, so a later call continues the same sequence, and resident ID numbers that
are distinct by construction (a bijection of the owner's number) and checksum-valid (python-stdnum).

A generated case is marked by its ``Idempotency-Key`` ``bulk-{seed}-{n}`` (a real client key has
the same shape of freedom); its case id has the format filing uses, ``LB`` + date + 10 hex digits,
with the hex part a bijection of ``n`` and dated before the day of generation, so generated ids
never collide with each other nor with the day's real filings.

The people and the theme's plan are in :mod:`.bulk_world`, one case's rows in :mod:`.bulk_cases`,
writing them in :mod:`.bulk_rows`; this module fills the database, in processes when it is worth it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import time as clock
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

import lianban.cases.schema  # noqa: F401 — registers the cases room's tables on Base.metadata
from lianban.bootstrap import keyed_engine
from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban.config import load_settings
from lianban.security.lookup import lookup_hash
from lianban_bench.bulk_cases import _Generator, _Rows
from lianban_bench.bulk_clone import clone_cases
from lianban_bench.bulk_rows import (
    COLUMNS,
    _Writer,
)
from lianban_bench.bulk_world import (
    ID_SPACE,
    MARK,
    BulkInfo,
    _plan,
    owner_id_number,
)

# ---------------------------------------------------------------------------- the call

BATCH_CASES = 5000
PARALLEL_FROM = 20_000  # cases to add before more processes are worth their start


def _engine(database_url: str, catalogue: Catalogue) -> Engine:
    """The database with the deployment's keys (its owners are kept as keyed hashes, its forms sealed)."""
    return keyed_engine(load_settings(database_url=database_url), catalogue)


def _stored_digest(engine: Engine, catalogue: Catalogue, theme_id: str) -> str:
    if theme_id not in catalogue.themes:
        raise ValueError(f"unknown theme {theme_id!r}")
    wanted = catalogue.theme_digest(theme_id)
    with engine.connect() as conn:
        stored = {
            row[0]
            for row in conn.execute(
                text("SELECT digest FROM theme_versions WHERE theme_id = :t"), {"t": theme_id}
            )
        }
    if wanted not in stored:
        raise LookupError(
            f"theme {theme_id} (digest {wanted[:12]}…) is not stored: run `lianban migrate` first"
        )
    return wanted


def _generated(engine: Engine, seed: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM cases WHERE idempotency_key LIKE :mark"),
                {"mark": f"{MARK}-{seed}-%"},
            ).scalar_one()
        )


def _analyze(engine: Engine) -> None:
    """Tell the planner the new sizes; on SQLite, move the write-ahead log into the file and empty
    it (writers taking turns without a pause never let SQLite's automatic checkpoint reset it)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA analysis_limit=2000")
            conn.exec_driver_sql("ANALYZE")
        else:
            tables = ", ".join(table.name for table, _ in COLUMNS.values())
            conn.exec_driver_sql(f"ANALYZE {tables}")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _batches(start: int, stop: int, size: int) -> Iterator[range]:
    for first in range(start, stop, size):
        yield range(first, min(first + size, stop))


@dataclass(frozen=True)
class _Job:
    """What a generating process needs to make any batch of the sequence."""

    database_url: str
    theme_id: str
    seed: int
    cases_per_owner: int
    today: datetime


class _Filler:
    """One process's generator and writer; batches are written and committed one at a time."""

    def __init__(self, job: _Job) -> None:
        themes_dir = os.environ.get("LIANBAN_THEMES_DIR")
        catalogue = default_catalogue(Path(themes_dir) if themes_dir else None)
        self.engine = _engine(job.database_url, catalogue)
        theme = catalogue.theme(job.theme_id)
        plan = _plan(catalogue, theme, _stored_digest(self.engine, catalogue, job.theme_id))
        self.generator = _Generator(plan, job.seed, job.cases_per_owner, job.today)
        self.writer = _Writer(self.engine)

    def fill(self, batch: range) -> int:
        rows = _Rows()
        for n in batch:
            self.generator.add(rows, n)
        ready = [(name, self.writer.prepare(name, getattr(rows, name))) for name in COLUMNS]
        with self.writer.turn():
            for name, data in ready:  # the case rows first: the others refer to them
                self.writer.insert(name, data)
            self.writer.commit()
            self.writer.checkpoint()
        return len(batch)

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()


_FILLER: _Filler | None = None  # a generating process's own (see _fill_in_process)


def _start_process(job: _Job) -> None:
    global _FILLER
    _FILLER = _Filler(job)
    atexit.register(_FILLER.close)


def _fill_in_process(batch: range) -> int:
    assert _FILLER is not None, "the process was not started with _start_process"
    return _FILLER.fill(batch)


def _processes(missing: int, asked: int | None) -> int:
    """How many processes generate: every core for a large fill (generation is CPU-bound and each
    batch is its own transaction; SQLite's writers take turns on its lock), one for a small one
    (a process start costs more than it saves)."""
    if asked is not None:
        return max(1, asked)
    return min(os.cpu_count() or 1, 4) if missing >= PARALLEL_FROM else 1


def _contiguous(engine: Engine, seed: int, have: int) -> None:
    """Generated cases are numbered 0…have-1 without gaps (a fill stopped half-way by a crash can
    leave whole batches missing in between: start from a fresh database then)."""
    if have == 0:
        return
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT count(*) FROM cases WHERE idempotency_key = :k"), {"k": f"{MARK}-{seed}-{have - 1}"}
        ).scalar_one()
    if not last:
        raise RuntimeError(
            f"the {have} generated cases are not numbered 0…{have - 1}: an earlier fill was interrupted; "
            "generate into a fresh database"
        )


def bulk_generate(
    database_url: str,
    target_cases: int,
    *,
    theme_id: str = "hubei.graduate-employment",
    cases_per_owner: int = 3,
    sample: int = 1000,
    seed: int = 0,
    processes: int | None = None,
    base: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BulkInfo:
    """Add cases until the database holds target_cases generated cases (so 10k → 100k → 1M reuses
    what is there); the database must already be migrated (lianban migrate).

    The first ``base`` cases are generated here, each in full; the ones after them are copies of
    those made inside the database (:mod:`lianban_bench.bulk_clone`); ``base=None``: every case
    generated here. A large fill runs in one process per core (``processes`` overrides); each
    batch of ``BATCH_CASES`` cases is generated, written and committed by one of them."""
    started = clock.perf_counter()
    if target_cases < 0 or cases_per_owner < 1:
        raise ValueError("target_cases must be ≥ 0 and cases_per_owner ≥ 1")
    if -(-target_cases // cases_per_owner) > ID_SPACE:
        raise ValueError(f"at most {ID_SPACE * cases_per_owner} cases with {cases_per_owner} per owner")
    themes_dir = os.environ.get("LIANBAN_THEMES_DIR")
    catalogue = default_catalogue(Path(themes_dir) if themes_dir else None)
    theme = catalogue.theme(theme_id) if theme_id in catalogue.themes else None
    if theme is None or theme.applicant_type != "person":
        raise ValueError(f"{theme_id!r}: bulk generation makes cases of a person's theme")
    engine = _engine(database_url, catalogue)
    try:
        _stored_digest(engine, catalogue, theme_id)
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        job = _Job(database_url, theme_id, seed, cases_per_owner, today)
        have = _generated(engine, seed)
        _contiguous(engine, seed, have)
        generated = target_cases if base is None else min(target_cases, base)
        if have < generated:
            batches = list(_batches(have, generated, BATCH_CASES))
            count = min(_processes(generated - have, processes), len(batches))
            done = have
            if count == 1:
                filler = _Filler(job)
                try:
                    for batch in batches:
                        done += filler.fill(batch)
                        if progress is not None:
                            progress(done, target_cases)
                finally:
                    filler.close()
            else:
                context = multiprocessing.get_context("spawn")  # no state of this process carried over
                with ProcessPoolExecutor(count, context, _start_process, (job,)) as pool:
                    for made in pool.map(_fill_in_process, batches):
                        done += made
                        if progress is not None:
                            progress(done, target_cases)
        if base is not None and max(have, base) < target_cases:
            clone_cases(
                engine,
                seed=seed,
                base=base,
                have=max(have, base),
                target=target_cases,
                cases_per_owner=cases_per_owner,
                progress=None if progress is None else lambda done: progress(done, target_cases),
            )
        if have < target_cases:
            _analyze(engine)
        total = max(have, target_cases)
        owner_of = _sample(engine, seed, cases_per_owner, total, sample)
    finally:
        engine.dispose()
    return BulkInfo(
        cases=total,
        owners=list(dict.fromkeys(owner_of.values())),
        case_ids=list(owner_of),
        owner_of=owner_of,
        seconds=clock.perf_counter() - started,
    )


def _sample(engine: Engine, seed: int, cases_per_owner: int, total: int, size: int) -> dict[str, str]:
    """Case id → owner's ID number for ``size`` generated cases spread over all ``total``.

    Read from the database through the owner index (an owner's ID number follows from the case
    number; its case ids depend on the day they were generated on)."""
    if size <= 0 or total <= 0:
        return {}
    numbers = sorted({n * total // size for n in range(min(size, total))})
    keys = {f"{MARK}-{seed}-{n}": n for n in numbers}
    owners = sorted({f"person:{owner_id_number(seed, n // cases_per_owner)}" for n in numbers})
    # cases.owner is kept as the owner's keyed hash (lianban.security.lookup): looked up by it
    plain = {str(lookup_hash(owner, engine)): owner for owner in owners}
    hashed = sorted(plain)
    found: dict[int, tuple[str, str]] = {}
    with engine.connect() as conn:
        for first in range(0, len(hashed), 500):
            chunk = hashed[first : first + 500]
            marks = ", ".join(f":o{i}" for i in range(len(chunk)))
            rows = conn.execute(
                text(f"SELECT case_id, owner, idempotency_key FROM cases WHERE owner IN ({marks})"),
                {f"o{i}": owner for i, owner in enumerate(chunk)},
            )
            for case_id, owner, key in rows:
                if key in keys:
                    found[keys[key]] = (case_id, plain[owner].removeprefix("person:"))
    return dict(found[n] for n in numbers if n in found)


__all__ = ["BulkInfo", "bulk_generate", "owner_id_number"]
