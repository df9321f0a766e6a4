"""What the applicant and the window see of a case's delivery (送达): the cases room keeps the
deliveries' rows (:class:`lianban.cases.schema.Delivery`); :mod:`lianban.delivery` makes them and
follows them up."""

from __future__ import annotations

from typing import Any

from lianban.cases.schema import Delivery


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.delivery_id,
        "method": delivery.method,
        "status": delivery.status,
        "documents": delivery.documents,
        **({"address": delivery.address} if delivery.address else {}),
        **({"recipient": delivery.recipient} if delivery.recipient else {}),
        **({"tracking_no": delivery.tracking_no} if delivery.tracking_no else {}),
        **({"pickup_code": delivery.pickup_code} if delivery.pickup_code else {}),
    }
