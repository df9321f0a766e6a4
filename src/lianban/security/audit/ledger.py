"""Checking and pruning the audit log (审计日志校验与清理).

``verify`` walks every day's chain in order and names the first entry that does not fit: a number
missing or repeated, a ``prev_hash`` that is not the previous entry's hash, a ``hash`` that is not
the entry's own, or a day whose last entry is not the one its head recorded (entries cut off at
the end). A pruned day has no entries left; it must have its anchor — an ``audit_pruned`` entry,
itself in a live chain, carrying the pruned day's number of entries and last hash. With the keys
at hand it then checks every actor's encrypted copy against the hashed actor (:mod:`.copies`) and
names each one that does not match; without them it says the copies were not checked.

``prune`` drops whole days older than the retention (Cybersecurity Law art. 21: at least six
months; ``LIANBAN_AUDIT_RETENTION_DAYS``), each only after its chain verifies and its anchor is
written. It is the one DELETE on ``audit_log`` in the code; on PostgreSQL the trigger lets it
through only inside a transaction that set ``lianban.audit_prune``; on SQLite it drops the trigger
that refuses DELETE and creates it again in the same transaction (migration 0023).

The SQLite triggers' DDL that prune and rekey (:mod:`.rekey`) create again at run time lives here,
once (:data:`SQLITE_NO_DELETE`, :data:`SQLITE_NO_UPDATE`); the migrations keep their own frozen
copies, and a test holds the two the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, defer

from lianban.security.audit.chain import append, chain_day, entry_hash, genesis, utc
from lianban.security.audit.copies import copy_keys, mismatched_copies
from lianban.security.audit.schema import AuditEntry, AuditHead

MIN_RETENTION_DAYS = 183  # six months and a little: the law's floor
PRUNED = "audit_pruned"
SQLITE_NO_DELETE = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (审计日志只可追加): DELETE refused'); END"
)
SQLITE_NO_UPDATE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (审计日志只可追加): UPDATE refused'); END"
)


@dataclass
class Report:
    """What ``verify`` found: the entries checked, the first that did not fit its chain (None: the
    chains hold), and the actors' copies checked (None: no keys, ``copies_unchecked`` names the
    settings missing) with a line for each that does not match the hashed actor."""

    entries: int = 0
    days: list[date] = field(default_factory=list)
    pruned_days: list[date] = field(default_factory=list)
    first_broken: str | None = None
    copies_checked: int | None = None
    copies_unchecked: list[str] = field(default_factory=list)
    bad_copies: list[str] = field(default_factory=list)

    @property
    def chain_intact(self) -> bool:
        return self.first_broken is None

    @property
    def intact(self) -> bool:
        return self.first_broken is None and not self.bad_copies


def _name(entry: AuditEntry) -> str:
    return f"{entry.day.isoformat()} #{entry.seq} ({entry.action}, {entry.case_id or '-'})"


def _check_day(session: Session, head: AuditHead) -> tuple[int, str | None]:
    """The day's entries checked in order: (how many, the first broken one or None)."""
    expected_prev, expected_seq, count = genesis(head.day), 1, 0
    entries = session.execute(
        select(AuditEntry)
        .where(AuditEntry.day == head.day)
        .order_by(AuditEntry.seq)
        .options(defer(AuditEntry.actor_sealed))  # not in the hash: verifying needs no data key
    ).scalars()
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            return count, f"{_name(entry)}: expected entry #{expected_seq} here (entries missing or repeated)"
        if entry.prev_hash != expected_prev:
            return count, f"{_name(entry)}: does not follow the entry before it (prev_hash)"
        if entry_hash(entry) != entry.hash:
            return count, f"{_name(entry)}: its content does not match its hash (edited)"
        expected_prev, expected_seq = entry.hash, expected_seq + 1
        session.expunge(entry)  # a day may be long: keep the session small
    if expected_seq - 1 != head.seq or expected_prev != head.last_hash:
        return count, f"{head.day.isoformat()} #{expected_seq}: entries after #{expected_seq - 1} are missing"
    return count, None


def _anchors(session: Session) -> dict[str, dict[str, object]]:
    return {
        str(e.detail.get("day")): e.detail
        for e in session.execute(select(AuditEntry).where(AuditEntry.action == PRUNED)).scalars()
    }


def verify(session: Session, day: date | None = None) -> Report:
    """Check the chains (one day, or all), oldest first, to the first broken entry; then, with the
    keys at hand, every live entry's actor copy (each one that does not match is named)."""
    query = select(AuditHead).order_by(AuditHead.day)
    if day is not None:
        query = query.where(AuditHead.day == day)
    heads = list(session.execute(query).scalars())
    report = _verify_chains(session, heads)
    keys = copy_keys(session)
    if isinstance(keys, list):
        report.copies_unchecked = keys
        return report
    report.copies_checked = 0
    for head in heads:
        if head.pruned_at is None:
            count, bad = mismatched_copies(session, head.day, keys)
            report.copies_checked += count
            report.bad_copies.extend(bad)
    return report


def _verify_chains(session: Session, heads: list[AuditHead]) -> Report:
    report = Report()
    anchors = _anchors(session) if any(h.pruned_at for h in heads) else {}
    for head in heads:
        if head.pruned_at is not None:
            anchor = anchors.get(head.day.isoformat())
            # the anchor lives in the chain of the day it was pruned on, unless that day went too
            anchor_day = session.get(AuditHead, chain_day(head.pruned_at))
            gone = anchor_day is not None and anchor_day.pruned_at is not None
            if not gone and (anchor is None or anchor.get("last_hash") != head.last_hash):
                report.first_broken = f"{head.day.isoformat()}: pruned without a matching anchor entry"
                return report
            report.pruned_days.append(head.day)
            continue
        count, broken = _check_day(session, head)
        report.entries += count
        report.days.append(head.day)
        if broken is not None:
            report.first_broken = broken
            return report
    return report


def prune(session: Session, keep_days: int, at: datetime, actor: str = "operator:cli") -> dict[date, int]:
    """Drop the days older than ``keep_days`` (≥ 183), each after an anchor entry; returns them with
    their entry counts. A day whose chain does not verify is kept (and named in the error)."""
    if keep_days < MIN_RETENTION_DAYS:
        raise ValueError(f"audit entries are kept at least {MIN_RETENTION_DAYS} days, not {keep_days}")
    before = chain_day(utc(at)) - timedelta(days=keep_days)
    heads = list(
        session.execute(
            select(AuditHead)
            .where(AuditHead.day < before, AuditHead.pruned_at.is_(None))
            .order_by(AuditHead.day)
        ).scalars()
    )
    if not heads:
        return {}
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:  # lifted for this transaction only: a failure rolls the DROP back with the rest
        session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
    else:
        session.execute(text("SET LOCAL lianban.audit_prune = 'on'"))  # the trigger lets this through
    dropped: dict[date, int] = {}
    for head in heads:
        count, broken = _check_day(session, head)
        if broken is not None:
            raise ValueError(f"not pruning a chain that does not verify: {broken}")
        append(
            session,
            at,
            actor,
            PRUNED,
            {"day": head.day.isoformat(), "entries": count, "last_hash": head.last_hash},
        )
        session.execute(delete(AuditEntry).where(AuditEntry.day == head.day))
        head.pruned_at = utc(at)
        dropped[head.day] = count
    session.flush()
    if sqlite:
        session.execute(text(SQLITE_NO_DELETE))
    return dropped


def entries_by(session: Session, actor: str, limit: int = 1000) -> list[AuditEntry]:
    """The entries naming ``actor`` (a plain identifier: it is hashed to look it up), oldest first."""
    return list(
        session.execute(
            select(AuditEntry)
            .where(AuditEntry.actor == actor)
            .order_by(AuditEntry.day, AuditEntry.seq)
            .limit(limit)
        ).scalars()
    )


__all__ = [
    "MIN_RETENTION_DAYS",
    "PRUNED",
    "SQLITE_NO_DELETE",
    "SQLITE_NO_UPDATE",
    "Report",
    "entries_by",
    "prune",
    "verify",
]
