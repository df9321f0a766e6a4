"""What the dispatcher is configured with (推送配置): the department systems' addresses, keys and
timeouts, where departments call back, the retry and delivery policies — built by the platform
(:meth:`lianban.bootstrap.Platform.dispatch_config`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lianban.config import DeliveryPolicy, DepartmentEndpoint, RetryPolicy
from lianban.connectors.rest import SEND_BOUND
from lianban.delivery.courier import Courier
from lianban.dispatch.outbox import LEASE
from lianban.security.department_keys import DepartmentKeys
from lianban.sharing.providers import ArchiveService


@dataclass
class DispatchConfig:
    keys: DepartmentKeys  # each department's own key ring (部门密钥)
    department_urls: dict[str, str]
    callback_base_url: str
    timeout_seconds: float = 10.0
    lease: timedelta = LEASE  # a job whose worker died is taken again after this
    archives: ArchiveService | None = None  # for ``query`` items (档案的整理和保管)
    redirect_sites: dict[str, str] | None = None  # department → its site for ``redirect`` items (e-tax)
    retry: RetryPolicy = field(default_factory=RetryPolicy)  # attempts and backoff cap (deployment)
    # departments that cannot call back: department → seconds between status polls (状态查询)
    poll_seconds: dict[str, float] = field(default_factory=dict)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    courier: Courier | None = None  # tracks posted deliveries; None: follow-ups of post stop at once
    # the deployment's departments: each one's api key and timeout (the URL is in department_urls)
    endpoints: dict[str, DepartmentEndpoint] = field(default_factory=dict)

    def timeout_for(self, department: str) -> float:
        endpoint = self.endpoints.get(department)
        return endpoint.timeout_seconds if endpoint is not None else self.timeout_seconds

    def api_key_for(self, department: str) -> str | None:
        endpoint = self.endpoints.get(department)
        return endpoint.api_key if endpoint is not None else None

    def lease_covers_send(self, lease_until: datetime | None, now: datetime) -> bool:
        """Whether a job leased until ``lease_until`` stays this worker's through a send begun
        ``now``: half the lease and twice the longest send still ahead (a send's timeout is its
        deadline all told; it ends by :data:`~lianban.connectors.rest.SEND_BOUND` of it). Then the
        lease is not renewed for it (no write before the send: on SQLite, no turn of the file's
        one writer)."""
        if lease_until is None:
            return False
        if lease_until.tzinfo is None:  # SQLite hands back naive datetimes: they are UTC
            lease_until = lease_until.replace(tzinfo=UTC)
        return lease_until - now >= max(self.lease / 2, self._two_sends())

    def send_lease(self) -> timedelta:
        """What a job is leased for when renewed for its send: the lease, or more if the longest
        send would outlast it (a department given a long timeout)."""
        return max(self.lease, self._two_sends())

    def _two_sends(self) -> timedelta:
        longest = max([self.timeout_seconds, *(e.timeout_seconds for e in self.endpoints.values())])
        return timedelta(seconds=2 * SEND_BOUND * longest)
