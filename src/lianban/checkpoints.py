"""SQLite's WAL checkpoints outside the writers' turns (检查点后台化): one thread per database file
per process copies what the writers appended to the write-ahead log back into the database.

Left to SQLite, the checkpoint runs inside a writer's commit once the log passes its
``wal_autocheckpoint`` pages (1,000 by default): that writer copies them into the file and syncs it
twice while it still holds the process's writer turn (:class:`lianban.db.WriterTurns`), and every
other writer waits. A filing appends about 60 pages, so under load one commit in sixteen took
3–55 ms instead of 0.15 ms: the filings' latency tail, and CPU spent where only one thread may run.

Here each commit (:func:`committed`) wakes the file's checkpointer, which runs PASSIVE checkpoints
on a connection of its own — they neither take the turn nor wait for a writer, and the driver
lets go of the interpreter lock while SQLite copies and syncs — for as long as the log grows, and
ends after a while without commits (so a test's thousand short-lived files leave no threads).

The log still cannot grow without bound: the platform's connections keep an automatic checkpoint
(:data:`AUTOCHECKPOINT_PAGES`, larger than SQLite's default) as SQLite's own backstop. A passive
checkpoint never finishes the log while writers keep appending, and SQLite starts the log afresh
only when a writer begins after a checkpoint copied all of it; so under sustained writes a
writer's commit still checkpoints once the log passes that size — copying only the little the
thread has not copied yet — and the log starts again from its beginning. If the thread falls
behind or stops, that backstop is SQLite's default behaviour, at a larger size.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

# pages in the log at a commit from which the committing writer checkpoints (SQLite's backstop;
# its default is 1,000): about 16 MB at 4 KiB pages, some 65 filings
AUTOCHECKPOINT_PAGES = 4000
IDLE_SECONDS = 2.0  # a checkpointer ends after this long without a commit
# between two checkpoints while commits keep coming: a page written by many commits (the day's
# case number, the audit chain's head, an index's last page) copied once for all of them — at
# 5 ms the checkpoints cost the process ~10 % more CPU per filing than SQLite's own, at 50 ms less
PAUSE_SECONDS = 0.05


class Checkpointer:
    """The checkpoints of one database file in this process (``committed`` after each commit)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # what the last checkpoint answered: (busy, pages in the log, pages copied back)
        self.last: tuple[int, int, int] | None = None

    def committed(self) -> None:
        """A writer committed: the log has grown, the thread checkpoints it (started if need be)."""
        self._wake.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name=f"checkpoints {self.database}", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.database, isolation_level=None)
        except sqlite3.Error:
            with self._lock:
                self._thread = None
            return
        try:
            while True:
                if not self._wake.wait(IDLE_SECONDS):
                    with self._lock:
                        if not self._wake.is_set():  # no commit since: the thread ends
                            self._thread = None
                            return
                self._wake.clear()
                # the commits of the next moments with this one (a session's writer is counted
                # as it commits: its pages are in the log by then)
                time.sleep(PAUSE_SECONDS)
                try:
                    busy, log, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.last = (int(busy), int(log), int(copied))
                except sqlite3.Error:  # the file went away: the backstop remains
                    pass
        finally:
            conn.close()


_checkpointers: dict[str, Checkpointer] = {}
_making = threading.Lock()


def _forget_threads_in_child() -> None:
    """A forked child has none of its parent's threads: its first commit starts its own."""
    for found in _checkpointers.values():
        found._thread, found._lock, found._wake = None, threading.Lock(), threading.Event()


os.register_at_fork(after_in_child=_forget_threads_in_child)


def checkpointer(database: str) -> Checkpointer:
    """The checkpointer of a database file (its resolved path), shared by the process's engines."""
    found = _checkpointers.get(database)
    if found is None:
        with _making:
            found = _checkpointers.setdefault(database, Checkpointer(database))
    return found


__all__ = ["AUTOCHECKPOINT_PAGES", "Checkpointer", "checkpointer"]
