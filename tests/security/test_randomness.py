"""Random bytes drawn in blocks (lianban.security.randomness): never the same bytes twice, in a
thread or across threads, nor in a forked child and its parent."""

from __future__ import annotations

import os
import threading
import uuid

from lianban.security import randomness


def test_slices_are_never_handed_out_twice() -> None:
    seen = [randomness.random_bytes(12) for _ in range(2000)]  # several blocks
    assert all(len(b) == 12 for b in seen)
    assert len(set(seen)) == len(seen)
    assert len(randomness.random_bytes(randomness.BLOCK)) == randomness.BLOCK  # larger: drawn directly


def test_threads_draw_from_blocks_of_their_own() -> None:
    out: dict[int, list[bytes]] = {}

    def draw(n: int) -> None:
        out[n] = [randomness.random_bytes(16) for _ in range(500)]

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [b for got in out.values() for b in got]
    assert len(set(every)) == len(every) == 2000


def test_a_forked_child_does_not_repeat_its_parent() -> None:
    randomness._pool.block, randomness._pool.at = b"", 0  # so the next draw starts a fresh block
    randomness.random_bytes(1)  # a block drawn in the parent, all but one byte unused
    assert len(randomness._pool.block) - randomness._pool.at >= 32  # without the at-fork hook the
    # child's next 32 bytes would be the parent's next 32: the comparison below would fail
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next bytes, to the parent
        os.close(read)
        os.write(write, randomness.random_bytes(32))
        os._exit(0)
    os.close(write)
    child = os.read(read, 32)
    os.close(read)
    os.waitpid(pid, 0)
    assert child != randomness.random_bytes(32)


def test_ids_have_the_usual_shape() -> None:
    for _ in range(200):
        made = randomness.uuid4_hex()
        parsed = uuid.UUID(made)
        assert (parsed.version, parsed.variant, parsed.hex) == (4, uuid.RFC_4122, made)
    assert len(randomness.token_hex(5)) == 10
