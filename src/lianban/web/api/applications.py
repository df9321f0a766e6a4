"""Applications (办件): POST /api/v1/applications, GET /api/v1/applications[/{case_id}],
POST …/{case_id}/corrections.

The rules — who may file for whom, idempotency, who sees which case, 补正 — are
:mod:`lianban.cases.service`'s and :mod:`lianban.cases.corrections`'; this router parses, calls
and answers through the response models below.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from lianban.cases import service
from lianban.cases.corrections import correct
from lianban.forms.service import FilledForm
from lianban.security.tokens import Identity
from lianban.web.api.answers import Answer, DeliveryAnswer, FieldMessage, NotApplicable, json_answer
from lianban.web.api.precheck import FormBody
from lianban.web.auth import require_identity
from lianban.web.deps import platform_of
from lianban.web.ratelimit import per_caller

router = APIRouter(prefix="/api/v1/applications", tags=["applications"])
FILING_RULE = "filing"  # the rate limit a filing counts, per caller (lianban.security.ratelimit)
IDEMPOTENCY_KEY_MAX = 200  # characters of an Idempotency-Key taken


class ApplicationBody(FormBody):
    theme_id: str
    materials: list[dict[str, str]] = Field(default_factory=list)
    channel: Literal["web", "app", "window"] = "web"


class ItemAnswer(Answer):
    """One sub-item (子件) and where it stands."""

    item_id: str
    code: str
    name: str
    department: str
    status: str
    employee: int | None = None
    receipt_no: str | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None
    legal_due_date: str
    overdue: bool
    promised_due_date: str
    updated_at: str


class CaseSummary(Answer):
    case_id: str
    case_no: str | None = None  # 办件编号: region code + date + the day's sequence
    theme_id: str
    status: str
    channel: str
    accepted_at: str
    due_date: str
    promised_due_date: str
    items: list[ItemAnswer]


class Filed(CaseSummary):
    """The answer to a filing (201; 200 for a repeated Idempotency-Key)."""

    warnings: list[FieldMessage] | None = None
    not_applicable: list[NotApplicable] | None = None


class CaseEntry(Answer):
    case_id: str
    case_no: str | None = None
    theme_id: str
    status: str
    accepted_at: str
    due_date: str


class NoticeAnswer(Answer):
    at: str
    text: str


class TimelineEntry(Answer):
    at: str
    event: str
    item: str | None = None
    detail: str | None = None


class CaseView(CaseSummary):
    """一体反馈: the case with its deliveries, notices and timeline."""

    delivery: DeliveryAnswer | None = None
    deliveries: list[DeliveryAnswer] | None = None
    notices: list[NoticeAnswer]
    timeline: list[TimelineEntry]
    obligations: list[dict[str, Any]] | None = None  # 后补材料: papers due after the application


class Corrected(Answer):
    case_id: str
    resubmitted: list[str]


def _application(body: ApplicationBody) -> service.Application:
    return service.Application(
        theme_id=body.theme_id,
        filled=FilledForm(items=body.items, situation=body.situation, form=body.form, facts=body.facts),
        materials=body.materials,
        channel=body.channel,
    )


@router.post(
    "",
    status_code=201,
    summary="File an application: one form, many sub-items",
    dependencies=[Depends(per_caller(FILING_RULE))],
    response_model=Filed,
    response_model_exclude_unset=True,
)
async def post_application(
    request: Request,
    body: ApplicationBody,
    identity: Annotated[Identity, Depends(require_identity)],
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX)
    ] = None,
) -> Response:
    """The usual filing is answered before the router, by these same steps (lianban.web.filings)."""
    return await file_answer(request, identity, body, idempotency_key)


async def file_answer(
    request: Request, identity: Identity, body: ApplicationBody, idempotency_key: str | None
) -> Response:
    """The filing (database work) in the thread pool, once (a few at a time, as every filing:
    lianban.cases.filing_gate); its answer serialised once, as Filed would (the service builds the
    keys in the model's order; tests/web/test_response_models.py). 201, or 200 for a repeated key."""
    filing = await anyio.to_thread.run_sync(
        service.file_application, platform_of(request), identity, _application(body), idempotency_key
    )
    return json_answer(filing.answer, 201 if filing.created else 200)


@router.get(
    "",
    summary="The caller's own cases, newest first, a page at a time (keyset: ?cursor=)",
    response_model=list[CaseEntry],
    response_model_exclude_unset=True,
)
def list_applications(
    request: Request,
    identity: Annotated[Identity, Depends(require_identity)],
    response: Response = None,  # type: ignore[assignment]  # FastAPI fills it; pages call without
    cursor: Annotated[
        str | None, Query(max_length=200, description="the X-Next-Cursor of the page before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    """Newest first. More than ``limit`` cases: the answer carries ``X-Next-Cursor`` and a
    ``Link: <…?cursor=…>; rel="next"`` header; ask again with that cursor for the next page."""
    page, after = service.my_cases_page(platform_of(request), identity, cursor, limit)
    if after is not None and response is not None:
        response.headers["X-Next-Cursor"] = after
        nxt = request.url.include_query_params(cursor=after, limit=limit)
        response.headers["Link"] = f'<{nxt.path}?{nxt.query}>; rel="next"'
    return page


@router.get(
    "/{case_id}",
    summary="One case: items, timeline",
    response_model=CaseView,
    response_model_exclude_unset=True,
)
def get_application(
    request: Request, case_id: str, identity: Annotated[Identity, Depends(require_identity)]
) -> Response:
    return json_answer(service.case_view(platform_of(request), identity, case_id))


class CorrectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: dict[str, Any] = Field(default_factory=dict)
    materials: list[dict[str, str]] = Field(default_factory=list)


@router.post(
    "/{case_id}/corrections",
    summary="Resubmit the items a department sent back (补正)",
    response_model=Corrected,
    response_model_exclude_unset=True,
)
def post_corrections(
    request: Request,
    case_id: str,
    body: CorrectionBody,
    identity: Annotated[Identity, Depends(require_identity)],
) -> dict[str, Any]:
    """``form`` may change only the fields of the items sent back (not the verified ones) and, for
    an employer, only the asked cells of the employees sent back; re-sending other values as filed
    (the whole form, the whole ``employees`` sheet with as many rows) is fine. Any other change is
    a 422 naming each value (``code: "not_asked"``), all at once."""
    return correct(platform_of(request), identity, case_id, body.form, body.materials)
