"""What 我的办件 asks of the Hebei worker after 人社 sends her employment registration back (补正),
whether her case may still be withdrawn (撤回), and her application form as filed (申请表) — the
services the pages call, on the sandbox platform with 人社 deciding in lianban's worklist."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from lianban.cases.corrections import correct, correction_request
from lianban.cases.progress import apply_decision
from lianban.cases.schema import CaseItem
from lianban.cases.withdrawal import may_withdraw
from lianban.dispatch.worker import DispatchConfig, Dispatcher
from lianban.errors import Conflict, NotFound
from lianban.receipts.application import filed_application
from lianban.security.tokens import Identity, verify
from sandbox_cases import bearer, file_hebei_case


def identity_of(client: TestClient, headers: dict[str, str]) -> Identity:
    token = headers["Authorization"].removeprefix("Bearer ")
    return verify(token, client.app.state.secret_key)  # type: ignore[attr-defined]


def dispatch(client: TestClient) -> None:
    """One round of the worker with no department system configured: every item to the worklist."""
    state = client.app.state  # type: ignore[attr-defined]
    Dispatcher(
        state.sessions, state.catalogue, DispatchConfig(state.department_keys, {}, "http://127.0.0.1:9")
    ).run_once()


def sent_back(client: TestClient) -> tuple[str, dict[str, str]]:
    """Her case, with 人社 asking her to correct the employment registration."""
    case_id, applicant = file_hebei_case(client)
    dispatch(client)
    r = client.post(
        f"/api/v1/worklist/{case_id}~employment_registration/decision",
        json={"decision": "correct", "reason": "就业地与劳动合同不一致"},
        headers=bearer(client, username="hrss", password="sandbox"),
    )
    assert r.status_code == 200, r.text
    return case_id, applicant


def test_a_correction_asks_only_the_returned_items_fields_and_materials(client: TestClient) -> None:
    case_id, applicant = sent_back(client)
    asked = correction_request(client.app.state.platform, identity_of(client, applicant), case_id)  # type: ignore[attr-defined]

    assert [(i["code"], i["reason"]) for i in asked.items] == [
        ("employment_registration", "就业地与劳动合同不一致")
    ]
    fields = {f["key"]: f for f in asked.fields}
    assert fields["employment.work_region"]["value"] == "130104"  # what she filed
    assert "employment_registration" in fields["employment.work_region"]["items"]
    assert not [k for k in fields if k.startswith(("insurance.", "archives."))]  # other items' fields
    name = fields["person.name"]
    assert name["locked"] and name["shown"]  # verified by the population register, shown, not asked
    assert fields["person.gender"]["shown"] in ("男", "女")  # a code as a person reads it
    assert {m["id"] for m in asked.materials} == {"hukou_book_or_contract", "id_card"}
    assert asked.case_no and asked.case_no.startswith("130000")


def test_the_corrected_items_new_request_is_decided_from_its_first_status_message(client: TestClient) -> None:
    case_id, applicant = sent_back(client)
    ctx = client.app.state.platform  # type: ignore[attr-defined]
    me = identity_of(client, applicant)
    answer = correct(ctx, me, case_id, {"employment.work_region": "130102"}, [])
    assert answer["resubmitted"] == ["employment_registration"]
    with pytest.raises(Conflict):
        correction_request(ctx, me, case_id)  # nothing is sent back any more
    dispatch(client)
    with ctx.sessions() as session, session.begin():
        item = session.get(CaseItem, (case_id, "employment_registration"))
        assert item is not None and item.status == "dispatched" and item.revision == 1
        # a department system numbers the messages of each request from 1: the new request's
        # first one counts, though the first request's correction was message 1 too
        assert apply_decision(session, item, "approved", 1, ctx.clock.now())
        assert item.status == "approved"


def test_a_case_may_be_withdrawn_until_a_department_acts_on_it(client: TestClient) -> None:
    case_id, _ = file_hebei_case(client)
    dispatch(client)  # on lianban's own worklist, undecided: still the platform's
    ctx = client.app.state.platform  # type: ignore[attr-defined]
    with ctx.sessions() as session:
        assert may_withdraw(session, case_id, "in_progress") is None
    client.post(
        f"/api/v1/worklist/{case_id}~employment_registration/decision",
        json={"decision": "approve"},
        headers=bearer(client, username="hrss", password="sandbox"),
    )
    with ctx.sessions() as session:
        blocked = may_withdraw(session, case_id, "in_progress")
    assert (
        blocked is not None and blocked[0] == "department_acted" and "employment_registration" in blocked[1]
    )


def test_her_application_form_prints_as_filed_and_only_for_her(client: TestClient) -> None:
    case_id, applicant = file_hebei_case(client)
    ctx = client.app.state.platform  # type: ignore[attr-defined]
    with ctx.sessions() as session, session.begin():
        pdf = filed_application(
            session, ctx.catalogue, identity_of(client, applicant), case_id, ctx.clock.now()
        )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert case_id in text and "申请表" in text
    graduate = bearer(client, id_number="420602200405120263")
    with ctx.sessions() as session, pytest.raises(NotFound):
        filed_application(session, ctx.catalogue, identity_of(client, graduate), case_id, ctx.clock.now())
