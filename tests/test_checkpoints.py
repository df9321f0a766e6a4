"""SQLite's checkpoints outside the writers' turns (检查点后台化): a file's commits wake its
checkpointer, which copies the log back into the database on a connection of its own and ends
when the commits stop; the platform's connections keep SQLite's own checkpoint as the backstop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from lianban import checkpoints
from lianban.checkpoints import AUTOCHECKPOINT_PAGES, checkpointer
from lianban.db import make_engine

WAIT = 30.0  # a deadline against a hung test, never a measured time


def _until(check: Callable[[], bool]) -> None:
    pause = threading.Event()
    for _ in range(int(WAIT / 0.01)):
        if check():
            return
        pause.wait(0.01)
    raise AssertionError("not within the deadline")


def test_commits_are_checkpointed_by_the_files_checkpointer_which_ends_when_they_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "IDLE_SECONDS", 0.2)
    monkeypatch.setattr(checkpoints, "PAUSE_SECONDS", 0.0)
    path = tmp_path / "lianban.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE filings (n INTEGER PRIMARY KEY, clerk TEXT)"))
    ours = checkpointer(str(path.resolve()))
    for n in range(50):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO filings (n, clerk) VALUES (:n, 'a')"), {"n": n})
    # every page the commits wrote to the log is copied back, and the thread then ends
    _until(lambda: ours.last is not None and ours.last[1] > 0 and ours.last[1] == ours.last[2])
    _until(lambda: ours._thread is None)
    with engine.begin() as conn:  # a later commit starts it again
        conn.execute(text("INSERT INTO filings (n, clerk) VALUES (50, 'b')"))
    assert ours._thread is not None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM filings")).scalar_one() == 51
        # SQLite's own checkpoint stays, at a larger size: the log never grows without bound
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == AUTOCHECKPOINT_PAGES
    engine.dispose()
