"""A send's timeout is its deadline all told (connect, write and read together), not per phase: a
department system that answers a few bytes at a time, each well within the read timeout, is given
up on at the deadline — it cannot hold the send, and the job's lease, for as long as it likes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from lianban.connectors.rest import DepartmentUnavailable, fetch_status
from lianban.security.signing import Keyring, SigningKey

RING = Keyring(SigningKey("k2026", b"\x01" * 32))
BODY = b'{"status": "accepted", "sequence": 1}' + b" " * 43  # 80 bytes, sent 2 at a time


@pytest.fixture
def dripping() -> Iterator[str]:
    """A department answering 200 at once, then its body two bytes every 0.1 s (4 s in all)."""
    server = socket.create_server(("127.0.0.1", 18750))
    done = threading.Event()

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
            try:
                conn.sendall(head.encode())
                for i in range(0, len(BODY), 2):
                    if done.wait(0.1):
                        return
                    conn.sendall(BODY[i : i + 2])
            except OSError:
                return  # the platform hung up

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:18750"
    finally:
        done.set()
        server.close()
        thread.join(10)


def test_a_department_answering_byte_by_byte_is_given_up_on_at_the_deadline(dripping: str) -> None:
    with pytest.raises(DepartmentUnavailable, match=r"no whole answer within 1\.5 s"):
        fetch_status(dripping, RING, "R-1", timeout_seconds=1.5)
