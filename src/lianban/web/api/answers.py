"""Response models shared by several routers: the OpenAPI document describes every answer.

Handlers answer with ``response_model_exclude_unset=True``: a key the service leaves out (an
optional one) stays out of the JSON, a key it sets to ``null`` stays ``null`` — the answers are
the same JSON as before they had models.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response
from pydantic import BaseModel, ConfigDict


class Answer(BaseModel):
    """Base of the answers: extra keys a service adds are kept (the contract allows extra fields)."""

    model_config = ConfigDict(extra="allow")


def json_answer(content: Any, status_code: int = 200) -> Response:
    """An answer serialised once (a hot read's): the service's dictionary straight to JSON, not
    validated into its response model and dumped again. The route keeps its ``response_model``
    (the OpenAPI document); the service builds the keys in the model's order, so the bytes are
    those the model gives (tests/web/test_response_models.py compares them)."""
    return Response(json_bytes(content), status_code=status_code, media_type="application/json")


def json_bytes(content: Any) -> bytes:
    """JSON as the response models write it: compact, UTF-8 (no ``\\u`` escapes)."""
    return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FieldMessage(Answer):
    """A warning or an error on one field, in the caller's language."""

    field: str
    code: str
    message: str


class DeliveryAnswer(Answer):
    """统一送达: how the issued documents reach the applicant."""

    delivery_id: str
    method: str  # post | pickup
    status: str  # sent | prepared | delivered | returned | collected
    documents: list[dict[str, Any]]
    address: Any = None
    recipient: str | None = None
    tracking_no: str | None = None
    pickup_code: str | None = None


class NotApplicable(Answer):
    """An item of the theme that does not apply, with the reason."""

    code: str
    reason: str
    refused: bool | None = (
        None  # at filing: an acceptance condition unmet (不予受理), not merely not applicable
    )
