"""Connectors by registry (连接器登记): each way of reaching a department registers under its
name in the theme files (``connector: rest``), as Open Forms registers its plugins::

    @register("rest")
    class RestConnector:
        def send(self, sending: Sending) -> Outcome: ...

The dispatcher looks an item's connector up by name (:func:`connector_for`), hands it what it
knows of the send (:class:`Sending`) and records the :data:`Outcome` — it never asks which
connector it holds. A connector that cannot reach its department raises
``DepartmentUnavailable`` (retried) or ``DepartmentRefused`` (not) from :mod:`.rest`. A province
adds a connector by registering one under a new name (and naming it in its themes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx

from lianban.security.signing import Keyring
from lianban.sharing.providers import ArchiveService


@dataclass(frozen=True)
class Sending:
    """One sub-item on its way to its department, and how to reach it in this deployment."""

    case_id: str
    item_id: str
    department: str
    envelope: dict[str, Any]  # what the department system receives
    idempotency_key: str  # per sub-item and revision: a repeated send lands on the same record
    keyring: Keyring | None  # the department's own keys (部门密钥); None: it has none, nothing is sent
    platform_url: str  # where departments and applicants come back to (callbacks, returns)
    url: str | None = None  # the department system; None: none configured, or routed to the worklist
    timeout_seconds: float = 10.0
    api_key: str | None = None
    client: httpx.Client | None = None
    id_number: str = ""  # the applicant's, for a status lookup
    archives: ArchiveService | None = None  # for ``query`` items
    redirect_site: str | None = None  # the department's site, for ``redirect`` items


@dataclass(frozen=True)
class Pushed:
    """The department system took it and gave its receipt number (受理编号)."""

    receipt_no: str
    status: str
    sha256: str = ""
    key_id: str = ""


@dataclass(frozen=True)
class ToWorklist:
    """No system to push to: the department's staff decide in lianban (部门工作台)."""


@dataclass(frozen=True)
class Answered:
    """Answered at once; the answer is the item's result (a status lookup, 办结)."""

    result: dict[str, Any]


@dataclass(frozen=True)
class ApplicantSent:
    """The applicant finishes on the department's site and comes back by ``url`` (跳转办理)."""

    url: str


Outcome = Pushed | ToWorklist | Answered | ApplicantSent


class Connector(Protocol):
    def send(self, sending: Sending) -> Outcome: ...


_CONNECTORS: dict[str, Connector] = {}
C = TypeVar("C")


def register(name: str) -> Callable[[type[C]], type[C]]:
    """Register a connector class under ``name`` (one instance serves every send)."""

    def add(cls: type[C]) -> type[C]:
        _CONNECTORS[name] = cls()  # type: ignore[assignment]
        return cls

    return add


def connector_for(name: str) -> Connector:
    """The connector registered as ``name``; raises ``LookupError`` for one no one registered."""
    try:
        return _CONNECTORS[name]
    except KeyError:
        raise LookupError(f"no connector registered as {name!r}") from None


def registered() -> list[str]:
    return sorted(_CONNECTORS)


@register("worklist")
class WorklistConnector:
    """Departments without an integrated system decide in lianban's worklist."""

    def send(self, sending: Sending) -> Outcome:
        return ToWorklist()
