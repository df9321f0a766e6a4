"""How much lease a send needs (DispatchConfig): a send's timeout is its deadline all told, and it
ends by SEND_BOUND of it; a job is not renewed before its send only if twice that (and half the
lease) is still ahead, and a renewal leases it long enough for a department given a long timeout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lianban.config import DepartmentEndpoint
from lianban.connectors.rest import SEND_BOUND
from lianban.dispatch.config import DispatchConfig
from lianban.security.department_keys import DepartmentKeys

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _config(**timeouts: float) -> DispatchConfig:
    endpoints = {
        d: DepartmentEndpoint(d, f"https://{d}.example", timeout_seconds=t) for d, t in timeouts.items()
    }
    return DispatchConfig(DepartmentKeys({}), {}, "https://lianban.example", endpoints=endpoints)


def test_a_fresh_lease_covers_a_send_with_the_default_timeouts() -> None:
    config = _config(hrss=10.0)
    assert config.lease_covers_send(NOW + config.lease, NOW)
    assert not config.lease_covers_send(NOW + config.lease / 2 - timedelta(seconds=1), NOW)
    assert not config.lease_covers_send(None, NOW)
    assert config.send_lease() == config.lease


def test_a_department_with_a_long_timeout_gets_a_lease_that_outlasts_its_send() -> None:
    config = _config(hrss=10.0, archives=40.0)  # 40 s: a send may take up to SEND_BOUND × 40 s
    assert not config.lease_covers_send(NOW + config.lease, NOW)  # renewed before the send
    renewed = NOW + config.send_lease()
    assert renewed - NOW >= timedelta(seconds=2 * SEND_BOUND * 40.0) > config.lease
    assert config.lease_covers_send(renewed, NOW)
