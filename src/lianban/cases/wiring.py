"""What a unit of work on cases reads from its platform (装配): the catalogue that says what each
item issues, when deliveries are followed up, which senders reach applicants and which courier
books the waybills of posted deliveries.

The platform (:mod:`lianban.bootstrap`) puts one :class:`CaseWiring` in the ``info`` of every
session it makes, so what follows a case's events (:mod:`lianban.delivery.events`,
:mod:`lianban.notify.events`, run by whichever worker takes the event) uses the deployment's own
themes (``LIANBAN_THEMES_DIR``), delivery policy, senders and courier — never module-level
settings. A bare session (a test, a script) gets the shipped catalogue, the default policy, no
sender and no courier (as production without them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban.config import DeliveryPolicy
from lianban.ports import Courier, Sender

KEY = "lianban.wiring"


@dataclass(frozen=True)
class CaseWiring:
    catalogue: Catalogue | None  # None: deliveries are not prepared (nothing says what items issue)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    senders: tuple[Sender, ...] = ()
    courier: Courier | None = None  # books the waybills of posted deliveries (寄件下单)

    def info(self) -> dict[str, Any]:
        """The ``info`` of the sessions that carry this wiring."""
        return {KEY: self}


def wiring_of(session: Session) -> CaseWiring:
    found = session.info.get(KEY)
    if isinstance(found, CaseWiring):
        return found
    return CaseWiring(default_catalogue(), DeliveryPolicy())
