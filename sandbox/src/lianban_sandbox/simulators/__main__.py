"""``python -m lianban_sandbox.simulators``: one simulated department system in its own process (the bench starts them so)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from lianban.security.signing import (
    Keyring,
    SigningKey,
)
from lianban_sandbox.simulators.fleet import DepartmentSimulator
from lianban_sandbox.simulators.model import Behaviour


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lianban_sandbox.simulators",
        description="Run one simulated department system on loopback until SIGTERM/SIGINT.",
    )
    parser.add_argument("--department", required=True, help="department code, e.g. hrss")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--secret", required=True, help="the shared HMAC secret, hex")
    parser.add_argument(
        "--previous-key",
        action="append",
        default=[],
        metavar="KEY_ID:HEX",
        help="a previous key still accepted (repeatable)",
    )
    parser.add_argument("--latency-ms", type=int, default=Behaviour.latency_ms)
    parser.add_argument("--decision", choices=("approve", "reject", "correct"), default="approve")
    parser.add_argument("--timeout-seconds", type=float, default=Behaviour.timeout_seconds)
    parser.add_argument("--seed", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    previous = []
    for spec in args.previous_key:
        key_id, _, secret_hex = spec.partition(":")
        previous.append(SigningKey.from_hex(key_id, secret_hex))
    keyring = Keyring(SigningKey.from_hex(args.key_id, args.secret), previous)
    behaviour = Behaviour(
        latency_ms=args.latency_ms, decision=args.decision, timeout_seconds=args.timeout_seconds
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    simulator = DepartmentSimulator(
        args.department, args.data_dir, keyring, args.host, args.port, behaviour=behaviour, seed=args.seed
    )
    url = simulator.start()
    try:
        print(url, flush=True)
        while not stop.wait(0.5):
            if simulator._thread is None or not simulator._thread.is_alive():
                print("simulator stopped unexpectedly", file=sys.stderr, flush=True)
                return 1
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
