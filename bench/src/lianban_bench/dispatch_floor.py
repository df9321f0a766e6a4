"""The dispatch floor (推送基线): what one sub-item's send costs in plain code on this machine.

A loop with the driver itself (``sqlite3`` / ``psycopg``, one kept connection): claim a batch of
due rows (one UPDATE … RETURNING), then for each a signed-size JSON body POSTed over one kept-alive
HTTP/1.1 connection (``http.client``) to a loopback server in its own process, and one UPDATE
marking it done. Its figure is items per CPU-second of the loop's own thread — the platform's
figure is items per CPU-second of its API and worker processes (the departments' are neither's).

Run the loopback server as ``python -m lianban_bench.dispatch_floor PORT``.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lianban_bench.floor import connect, driver_target

BODY = json.dumps(
    {"item": "employment_registration", "case_id": "LB20261204ABCDEF0123", "payload": {"x": "y" * 900}}
).encode()


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        raw = b'{"receipt_no":"R1","status":"accepted"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_args: Any) -> None:
        return


def serve(port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), _Answer)
    print("ready", flush=True)
    server.serve_forever()


def run_floor(database_url: str, port: int, items: int, batch: int = 20) -> dict[str, Any]:
    """``items`` rows claimed, sent and marked done; the figures."""
    kind, _ = driver_target(database_url)
    m = "?" if kind == "sqlite" else "%s"
    conn = connect(database_url)
    begin = "BEGIN IMMEDIATE" if kind == "sqlite" else "BEGIN"

    def tx(sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        conn.execute(begin)
        rows = list(conn.execute(sql, args)) if "RETURNING" in sql else (conn.execute(sql, args), [])[1]
        conn.execute("COMMIT")
        return rows

    if kind == "postgresql":
        conn.autocommit = True
    conn.execute("DROP TABLE IF EXISTS floor_jobs")
    conn.execute("CREATE TABLE floor_jobs (id INTEGER PRIMARY KEY, status TEXT, lease INTEGER)")
    conn.execute(begin)
    for i in range(items):
        conn.execute(f"INSERT INTO floor_jobs VALUES ({m}, 'pending', 0)", (i,))
    conn.execute("COMMIT")
    target = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = 0
    cpu, wall = time.thread_time(), time.perf_counter()
    while True:
        claimed = tx(
            f"UPDATE floor_jobs SET lease = 1 WHERE id IN (SELECT id FROM floor_jobs WHERE status = 'pending'"
            f" AND lease = 0 ORDER BY id LIMIT {int(batch)}) RETURNING id"
        )
        if not claimed:
            break
        for (job,) in claimed:
            target.request("POST", "/records", body=BODY, headers={"Content-Type": "application/json"})
            answer = target.getresponse()
            answer.read()
            tx(f"UPDATE floor_jobs SET status = 'done' WHERE id = {m}", (job,))
            done += 1
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    target.close()
    conn.execute("DROP TABLE floor_jobs")
    conn.close()
    return {
        "items": done,
        "cpu_seconds": round(cpu, 3),
        "seconds": round(wall, 3),
        "items_per_cpu_second": round(done / cpu, 1) if cpu > 0 else None,
        "items_per_second": round(done / wall, 1) if wall > 0 else None,
        "batch": batch,
    }


if __name__ == "__main__":
    serve(int(sys.argv[1]))
