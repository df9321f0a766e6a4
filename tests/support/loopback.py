"""A real HTTP server on loopback that records what it is sent and answers as told: the far side
of the platform's SMS gateway and courier in tests (no mock: real sockets, real HTTP)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the JSON sent, or None


# (method, path, body) → (status, JSON answer)
Answer = Callable[[str, str, Any], tuple[int, Any]]


@dataclass
class Loopback:
    url: str
    received: list[Received] = field(default_factory=list)


@contextmanager
def loopback_server(answer: Answer) -> Iterator[Loopback]:
    """Serve on 127.0.0.1 (a free port) until the block ends."""
    lock = threading.Lock()
    state: dict[str, Loopback] = {}

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            with lock:
                state["server"].received.append(
                    Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            status, reply = answer(self.command, self.path, body)
            data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _handle

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["server"] = Loopback(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
