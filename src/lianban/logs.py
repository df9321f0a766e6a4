"""Structured logging (结构化日志): one JSON object a line, with the request, the case and the job
each record is about.

Every process configures it once at start (:func:`configure_logging`, called by ``lianban serve``,
``worker`` and ``demo`` from the settings: ``LIANBAN_LOG_FORMAT`` json (default) or text,
``LIANBAN_LOG_LEVEL``). What a record is about travels in context variables, so no call has to
pass it on: the web's middleware binds the request id (``X-Request-ID``, taken from the caller or
made, and echoed on the answer), taking a case's lock binds its case id, the worker binds the job
and case it handles (:func:`bound`). A line::

    {"at": "2026-12-04T09:12:03.120Z", "level": "ERROR", "logger": "lianban.dispatch",
     "message": "job … failed: …", "request_id": null, "case_id": "LB2026…", "job_id": "9f…"}
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import IO, Any

request_id: ContextVar[str | None] = ContextVar("lianban_request_id", default=None)
case_id: ContextVar[str | None] = ContextVar("lianban_case_id", default=None)
job_id: ContextVar[str | None] = ContextVar("lianban_job_id", default=None)
_VARS = {"request_id": request_id, "case_id": case_id, "job_id": job_id}

# the attributes every LogRecord has: anything else was passed as ``extra=`` and is kept
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class ContextFilter(logging.Filter):
    """Puts the request, case and job ids of the current context on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the ids, any ``extra=`` fields
    and the exception with its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _VARS:
            line[name] = getattr(record, name, None)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s case=%(case_id)s job=%(job_id)s] %(message)s"
_MARK = "_lianban_handler"


def configure_logging(
    fmt: str = "json", level: str = "INFO", stream: IO[str] | None = None
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) as JSON lines (or text); calling it
    again replaces the handler it installed before, never anyone else's."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT))
    setattr(handler, _MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


@contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """Records logged inside are about these ids (``request_id``, ``case_id``, ``job_id``)."""
    tokens = [(_VARS[name], _VARS[name].set(value)) for name, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


@contextmanager
def anew(**ids: str | None) -> Iterator[None]:
    """One request or one job of its own (一次请求、一个任务): the case and the job it is about
    cleared at its start and again at its end, then ``ids`` bound — so a case bound by an earlier
    request on this event loop's task, or an earlier job on this worker thread (:func:`bind_case`
    sets and nothing resets), is never carried onto this one's lines, nor this one's onto the next."""
    _clear_case_and_job()
    tokens: list[tuple[ContextVar[str | None], Token[str | None]]] = []
    try:  # bound()'s steps inline: one generator a request fewer (every request passes here)
        for name, value in ids.items():
            var = _VARS[name]
            tokens.append((var, var.set(value)))
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
        _clear_case_and_job()


def _clear_case_and_job() -> None:
    case_id.set(None)
    job_id.set(None)


def bind_case(case: str) -> None:
    """The rest of this context's records are about ``case`` (a request, a job)."""
    case_id.set(case)
