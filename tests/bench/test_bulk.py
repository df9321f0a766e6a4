"""Bulk-generated cases (批量生成办件): a database filled with Wuhan graduates' cases for the
status-at-scale benchmark, read back through the real API as the graduates themselves see them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from lianban.bootstrap import keyed_engine
from lianban.cases.schema import Case, CaseItem, OutboxJob, ThemeVersion, TimelineEvent
from lianban.cases.theme_store import store_themes
from lianban.catalog.catalogue import default_catalogue
from lianban.config import Mode, load_settings
from lianban.db import make_engine, session_factory
from lianban.migrate import upgrade
from lianban.web.app import create_app
from lianban_bench.bulk import BulkInfo, bulk_generate
from support.login import login

GRADUATE = "hubei.graduate-employment"


@pytest.fixture
def platform(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A sandbox app on a database migrated as `lianban migrate` leaves it. The generator reads the
    same deployment from the environment (a sandbox's keys are kept in its data directory), so it
    seals personal values and hashes owners with the app's keys."""
    monkeypatch.setenv("LIANBAN_MODE", "sandbox")
    monkeypatch.setenv("LIANBAN_DATA_DIR", str(tmp_path / "var"))
    upgrade(database_url)
    engine = make_engine(database_url)
    with session_factory(engine)() as session, session.begin():
        store_themes(session, default_catalogue())
    engine.dispose()
    settings = load_settings(
        {"LIANBAN_DATA_DIR": str(tmp_path / "var")}, database_url=database_url, mode=Mode.SANDBOX
    )
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def generated(database_url: str, platform: TestClient) -> tuple[str, BulkInfo, list[tuple[int, int]]]:
    """200 generated cases in the platform's database."""
    calls: list[tuple[int, int]] = []
    info = bulk_generate(
        database_url, 200, sample=40, progress=lambda done, total: calls.append((done, total))
    )
    return database_url, info, calls


def stored_cases(url: str) -> tuple[set[str], int]:
    """The case ids in the database and how many sub-items they have."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ids = set(conn.execute(select(Case.case_id)).scalars())
            items = conn.execute(select(func.count()).select_from(CaseItem)).scalar_one()
    finally:
        engine.dispose()
    return ids, int(items)


def test_a_graduate_sees_her_generated_cases_through_the_api(
    generated: tuple[str, BulkInfo, list[tuple[int, int]]], platform: TestClient
) -> None:
    client = platform
    url, info, calls = generated
    assert info.cases == 200
    assert calls[-1] == (200, 200)
    assert len(info.case_ids) == 40 and set(info.owner_of) == set(info.case_ids)
    assert set(info.owners) == set(info.owner_of.values())

    case_id = info.case_ids[0]
    owner = info.owner_of[case_id]
    headers = login(client, id_number=owner)  # any checksum-valid ID number logs in to the sandbox
    listed = client.get("/api/v1/applications", headers=headers).json()
    assert case_id in {c["case_id"] for c in listed}
    assert len(listed) == 3  # cases_per_owner
    assert all(c["theme_id"] == GRADUATE for c in listed)

    detail = client.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    assert len(detail["items"]) == 8
    assert detail["timeline"][0]["event"] == "submitted"
    assert len(detail["timeline"]) > 8
    assert {i["department"] for i in detail["items"]} >= {"hrss", "social_insurance", "medical_insurance"}
    # another graduate's case is not hers to see
    other = next(c for c, o in info.owner_of.items() if o != owner)
    assert client.get(f"/api/v1/applications/{other}", headers=headers).status_code == 404

    engine = keyed_engine(load_settings(database_url=url))
    try:
        with session_factory(engine)() as session:
            statuses = {
                status: count
                for status, count in session.execute(select(Case.status, func.count()).group_by(Case.status))
            }
            assert statuses["completed"] > 100 and "in_progress" in statuses
            assert set(statuses) <= {
                "submitted",
                "in_progress",
                "completed",
                "partially_completed",
                "rejected",
            }
            # read through the ORM (and so through any column type that encrypts it): real values
            case = session.get(Case, case_id)
            assert case is not None and case.form["person.id_number"] == owner
            assert case.owner == f"person:{owner}"
            stored = session.execute(
                select(ThemeVersion.digest).where(ThemeVersion.theme_id == GRADUATE)
            ).scalars()
            assert case.theme_digest in set(stored)
            item = session.get(CaseItem, (case_id, "employment_registration"))
            assert item is not None and item.payload["AAC002"] == owner
            # …while the stored text holds no ID number in the clear (个人信息加密存储)
            raw_form, raw_payload = session.execute(
                text(
                    "SELECT c.form, i.payload FROM cases c JOIN case_items i ON i.case_id = c.case_id "
                    "WHERE c.case_id = :id AND i.item_id = 'employment_registration'"
                ),
                {"id": case_id},
            ).one()
            for raw in (raw_form, raw_payload):
                stored_text = raw if isinstance(raw, str) else json.dumps(raw)
                assert owner not in stored_text and "enc:v1:" in stored_text
            last = session.execute(
                select(func.max(TimelineEvent.seq)).where(TimelineEvent.case_id == case_id)
            ).scalar()
            assert last == len(detail["timeline"])
            # nothing for the benchmark's workers to pick up
            pending = session.execute(select(func.count()).where(OutboxJob.status != "done")).scalar()
            assert pending == 0
            assert session.execute(select(func.count()).select_from(OutboxJob)).scalar_one() > 1000
    finally:
        engine.dispose()


def test_a_higher_target_adds_only_the_difference(
    generated: tuple[str, BulkInfo, list[tuple[int, int]]],
) -> None:
    url, first, _ = generated
    more = bulk_generate(url, 260, sample=40)
    assert more.cases == 260
    again = bulk_generate(url, 260, sample=40)  # already there: nothing added, the same sample
    assert again.cases == 260 and again.case_ids == more.case_ids
    ids, items = stored_cases(url)
    assert len(ids) == 260 and items == 260 * 8
    assert set(first.case_ids) <= ids and set(more.case_ids) <= ids


@pytest.mark.slow  # two generating processes
def test_two_processes_generate_the_same_cases_one_would(
    database_url: str, platform: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large fill runs in one process per core, each batch its own transaction; the cases are
    the ones a single process makes (every value a function of seed and number), and the API
    opens what the other processes sealed (they read the same data keys from the environment)."""
    from datetime import UTC, datetime

    from lianban_bench import bulk, bulk_cases

    monkeypatch.setattr(bulk, "BATCH_CASES", 60)  # 300 cases: five batches shared by two processes
    info = bulk_generate(database_url, 300, sample=30, processes=2)
    assert info.cases == 300

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    expected = {bulk_cases._head(0, n, today, 3).case_id for n in range(300)}
    ids, items = stored_cases(database_url)
    assert ids == expected and items == 300 * 8

    last = info.case_ids[-1]  # from the last batch
    headers = login(platform, id_number=info.owner_of[last])
    detail = platform.get(f"/api/v1/applications/{last}", headers=headers)
    assert detail.status_code == 200, detail.text
    assert len(detail.json()["items"]) == 8
    engine = keyed_engine(load_settings(database_url=database_url))  # the platform's keys
    try:
        with session_factory(engine)() as session:  # sealed there, opened here
            case = session.get(Case, last)
            assert case is not None and case.form["person.id_number"] == info.owner_of[last]
    finally:
        engine.dispose()


def test_past_its_base_the_database_grows_by_copies_each_owner_finds_her_own(
    database_url: str, platform: TestClient
) -> None:
    """Cases after the first ``base`` are copies made inside the database (a million cases in
    minutes): each copy has its own case id, owner and key, and its owner logs in and sees exactly
    her own cases, each with its base case's eight sub-items and timeline."""
    info = bulk_generate(database_url, 90, base=30, sample=90)
    assert info.cases == 90 and len(info.case_ids) == 90
    ids, items = stored_cases(database_url)
    assert len(ids) == 90 and items == 90 * 8
    assert set(info.case_ids) == ids

    copied = [c for c in info.case_ids if c not in set(info.case_ids[:30])]
    case_id = copied[-1]
    owner = info.owner_of[case_id]
    headers = login(platform, id_number=owner)
    mine = {c["case_id"] for c in platform.get("/api/v1/applications", headers=headers).json()}
    assert mine == {c for c, o in info.owner_of.items() if o == owner} and case_id in mine
    assert len(mine) == 3  # cases_per_owner: her three, copies like her
    detail = platform.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    assert len(detail["items"]) == 8 and detail["timeline"][0]["event"] == "submitted"
    # nobody else's: the first owner does not see her cases
    first = login(platform, id_number=info.owner_of[info.case_ids[0]])
    assert platform.get(f"/api/v1/applications/{case_id}", headers=first).status_code == 404
    # growing again continues the numbering (copies of the same base)
    assert bulk_generate(database_url, 120, base=30, sample=10).cases == 120
    assert stored_cases(database_url)[1] == 120 * 8
