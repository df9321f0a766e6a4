"""The results (基准结果): one JSON document with every raw figure, the named target ratios, the
machine, the date and the command line; and the same as a Markdown table for the README.

The named ratios live where the issue names them (``submit.sqlite.ratio_to_floor`` is
``doc["submit"]["sqlite"]["ratio_to_floor"]``) and again, flat, under ``targets`` with their
target and whether it was met, so a script can read them by their dotted names.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str  # dotted path into the document
    op: str  # ">=", "<=", "<"
    bound: float
    label: str


TARGETS: tuple[Target, ...] = (
    Target("submit.sqlite.ratio_to_floor", ">=", 0.5, "submit throughput ÷ floor, SQLite"),
    Target("submit.sqlite.p99_ratio_to_floor", "<=", 2.0, "submit p99 ÷ floor p99, SQLite"),
    Target("submit.postgresql.ratio_to_floor", ">=", 0.5, "submit throughput ÷ floor, PostgreSQL"),
    Target("submit.postgresql.p99_ratio_to_floor", "<=", 2.0, "submit p99 ÷ floor p99, PostgreSQL"),
    Target("read.sqlite.ratio_to_floor", ">=", 0.5, "read one case throughput ÷ floor, SQLite"),
    Target("read.postgresql.ratio_to_floor", ">=", 0.5, "read one case throughput ÷ floor, PostgreSQL"),
    Target("dispatch.postgresql.speedup_4_over_1", ">=", 2.5, "dispatch 4 workers ÷ 1 worker, PostgreSQL"),
    Target(
        "fairness.postgresql.ratio",
        "<=",
        2.0,
        "graduate's time to first send during a 1,000-hire batch ÷ alone (medians), PostgreSQL",
    ),
    Target(
        "fairness.sqlite.ratio",
        "<=",
        2.0,
        "graduate's time to first send during a 1,000-hire batch ÷ alone (medians), SQLite",
    ),
    Target("status.sqlite.p99_ratio_1m_over_10k", "<=", 1.5, "status p99 at 1M ÷ at 10k, SQLite"),
    Target("status.postgresql.p99_ratio_1m_over_10k", "<=", 1.5, "status p99 at 1M ÷ at 10k, PostgreSQL"),
    Target("batch.seconds_1000", "<", 5.0, "1,000-employee batch, seconds"),
    Target("memory.api_rss_mb", "<", 250.0, "API process peak RSS, MiB"),
)

# the ratios the issue names; a complete run has each of them
NAMED: tuple[str, ...] = (
    "submit.sqlite.ratio_to_floor",
    "submit.postgresql.ratio_to_floor",
    "read.sqlite.ratio_to_floor",
    "read.postgresql.ratio_to_floor",
    "dispatch.postgresql.speedup_4_over_1",
    "fairness.postgresql.ratio",
    "status.sqlite.p99_ratio_1m_over_10k",
    "status.postgresql.p99_ratio_1m_over_10k",
    "batch.seconds_1000",
    "memory.api_rss_mb",
)

_OPS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le, "<": operator.lt}


def lookup(doc: dict[str, Any], dotted: str) -> Any:
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def targets(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for t in TARGETS:
        value = lookup(doc, t.name)
        if not isinstance(value, int | float) or not math.isfinite(value):
            continue
        out[t.name] = {
            "value": round(float(value), 4),
            "target": f"{t.op} {t.bound:g}",
            "met": _OPS[t.op](float(value), t.bound),
            "label": t.label,
        }
        note = lookup(doc, f"{t.name}_note")  # what limits the figure on this machine, if anything
        if isinstance(note, str):
            out[t.name]["note"] = note
        if t.name.startswith("fairness.") and lookup(doc, t.name.replace(".ratio", ".valid")) is False:
            out[t.name]["note"] = (
                "not valid: the employer's batch had drained before the graduate's last case"
            )
    return out


def _round(node: Any) -> Any:
    if isinstance(node, float):
        return round(node, 4)
    if isinstance(node, dict):
        return {k: _round(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_round(v) for v in node]
    return node


def document(raw: dict[str, Any], head: dict[str, Any]) -> dict[str, Any]:
    doc = {**head, **_round(raw)}
    doc["targets"] = targets(doc)
    return doc


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "–" if value is None else str(value)


def markdown(doc: dict[str, Any]) -> str:
    """The README's table: the targets first, then the raw figures they come from."""
    m = doc.get("machine", {})
    lines = [
        f"Measured {doc.get('date', '')} with `{doc.get('command', 'lianban bench')}` on "
        f"{m.get('cores')} cores ({m.get('cpu_model')}), {_fmt(m.get('memory_mb'))} MiB memory; "
        f"Python {m.get('python')}, SQLite {m.get('sqlite')}, PostgreSQL {m.get('postgresql')}"
        + (" — **quick mode** (small sizes)" if doc.get("quick") else "")
        + ".",
        "",
        "| scenario | figure | value | target | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, t in doc.get("targets", {}).items():
        met = "yes" if t["met"] else "**no**"
        lines.append(
            f"| {name.split('.')[0]} | `{name}` — {t['label']} | {_fmt(t['value'])} | {t['target']} | "
            f"{met}{' — ' + t['note'] if t.get('note') else ''} |"
        )
    lines += [
        "",
        "| scenario | database | measurement | throughput (/s) | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    labels = {
        ("submit", "floor"): ("floor", "floor write (plain driver, same rows)"),
        ("submit", "platform"): ("submit", "POST /api/v1/applications"),
        ("read", "floor"): ("floor", "floor read (plain driver, one case)"),
        ("read", "platform"): ("read", "GET /api/v1/applications/{id}"),
    }
    for kind in ("sqlite", "postgresql"):
        for scenario in ("submit", "read"):
            sub = lookup(doc, f"{scenario}.{kind}")
            if not sub:
                continue
            top = lookup(sub, "load.ceiling")
            if scenario == "submit" and top:
                lines.append(
                    f"| load | {kind} | wrk ceiling: GET /trivial on the floor's server, c={top['concurrency']} "
                    f"| {_fmt(top['throughput_rps'])} | {_fmt(top['p50_ms'])} | {_fmt(top['p99_ms'])} |"
                )
            for what in ("floor", "platform"):
                f = sub[what]
                name, label = labels[(scenario, what)]
                lines.append(
                    f"| {name} | {kind} | {label}, {f['requests']} req in {_fmt(f['seconds'])} s, "
                    f"c={f['concurrency']}, {f['errors']} errors | {_fmt(f['throughput_rps'])} | "
                    f"{_fmt(f['p50_ms'])} | {_fmt(f['p99_ms'])} |"
                )
    for kind in ("sqlite", "postgresql"):
        d = lookup(doc, f"dispatch.{kind}")
        if d:
            runs = d.get("workers") or {"in-process": d.get("in_process_worker")}
            for workers, f in runs.items():
                if f:
                    busy = f.get("machine_cpu_busy")
                    load = f", machine CPU {busy:.0%} busy" if isinstance(busy, int | float) else ""
                    lines.append(
                        f"| dispatch | {kind} | {workers} worker(s): {f['cases']} cases, {f['items']} items "
                        f"all approved in {_fmt(f['seconds'])} s ({_fmt(f['cases_per_second'])} cases/s"
                        f"{load}) | "
                        f"{_fmt(f['items_per_second'])} items | – | – |"
                    )
    procs = doc.get("processes")
    if procs:
        for n in ("1", "2"):
            f = procs[n]
            lines.append(
                f"| processes | postgresql | `lianban serve --workers {n}`: POST /api/v1/applications, "
                f"c={f['concurrency']} | {_fmt(f['throughput_rps'])} | {_fmt(f['p50_ms'])} | {_fmt(f['p99_ms'])} |"
            )
    for kind in ("sqlite", "postgresql"):
        d = lookup(doc, f"dispatch.{kind}")
        if not d:
            continue
        runs = d.get("workers") or {"in-process": d.get("in_process_worker")}
        for workers, f in runs.items():
            if f and f.get("items_per_cpu_second"):
                lines.append(
                    f"| dispatch | {kind} | {workers} worker(s): {_fmt(f['cpu_seconds'])} CPU-s of API and "
                    f"workers for {f['items']} items | {_fmt(f['items_per_cpu_second'])} items/CPU-s | – | – |"
                )
        fl = d.get("floor")
        if fl:
            lines.append(
                f"| dispatch | {kind} | floor: plain claim + loopback POST + update, {fl['items']} items, "
                f"{_fmt(fl['cpu_seconds'])} CPU-s | {_fmt(fl['items_per_cpu_second'])} items/CPU-s | – | – |"
            )
    for kind in ("sqlite", "postgresql"):
        fair = lookup(doc, f"fairness.{kind}")
        if fair:
            workers = fair.get("workers")
            who = "the in-process worker" if workers == "in-process" else f"{workers} worker(s)"
            lines.append(
                f"| fairness | {kind} | graduate's filing → first sub-item sent, {who}, median of "
                f"{fair['samples']}: {_fmt(fair['first_send_alone_seconds'])} s alone (max "
                f"{_fmt(fair['alone']['max_seconds'])}), {_fmt(fair['first_send_during_batch_seconds'])} s "
                f"while {fair['employees']:,} hires ({fair['batch_items']:,} sub-items) drain (max "
                f"{_fmt(fair['during_batch']['max_seconds'])}; {fair['batch_items_left_after_last_sample']:,} "
                "still waiting after) | – | – | – |"
            )
    for kind in ("sqlite", "postgresql"):
        s = lookup(doc, f"status.{kind}")
        if s:
            for size, f in s["sizes"].items():
                for what in ("detail", "list"):
                    g = f[what]
                    lines.append(
                        f"| status | {kind} | {what} at {int(size):,} cases | {_fmt(g['throughput_rps'])} | "
                        f"{_fmt(g['p50_ms'])} | {_fmt(g['p99_ms'])} |"
                    )
    for kind in ("sqlite", "postgresql"):
        b = lookup(doc, f"batch.{kind}")
        if b:
            lines.append(
                f"| batch | {kind} | {b['rows']:,}-employee sheet uploaded, checked and filed in "
                f"{_fmt(b['seconds'])} s | {_fmt(b['rows_per_second'])} rows | – | – |"
            )
    mem = doc.get("memory")
    if mem:
        lines.append(
            f"| memory | both | peak RSS: API {_fmt(mem.get('api_rss_mb'))} MiB, one worker "
            f"{_fmt(mem.get('worker_rss_mb'))} MiB (during submit and dispatch) | – | – | – |"
        )
    return "\n".join(lines) + "\n"


def write(doc: dict[str, Any], out: Path) -> Path:
    """Write ``out`` (JSON) and the Markdown beside it (same name, ``.md``); returns the latter."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md = out.with_suffix(".md")
    md.write_text(markdown(doc), encoding="utf-8")
    return md
