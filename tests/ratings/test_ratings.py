"""好差评 (国办发〔2019〕51号): a finished case is rated once per applicant; a 差评 opens a
follow-up (整改) for the departments concerned, due in working days under the statutory calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from feature_world import beijing, decide_all, feature_client, staff
from lianban.clock import SettableClock
from sandbox_cases import bearer, file_graduate_case, file_hebei_case


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(beijing(date(2026, 9, 28)))


@pytest.fixture
def app_database(database_url: str) -> str:
    return database_url  # on SQLite and PostgreSQL both


def test_a_wuhan_graduate_rates_very_dissatisfied_and_a_follow_up_opens_after_national_day(
    client: TestClient, clock: SettableClock
) -> None:
    case_id, graduate = file_graduate_case(client)
    early = client.post(f"/api/v1/applications/{case_id}/rating", json={"level": 5}, headers=graduate)
    assert early.status_code == 409, early.text
    assert early.json()["errors"][0] == {
        "field": "case_id",
        "code": "not_finished",
        "message": f"办件 {case_id} 尚未办结，办结后才能评价",
    }
    case = decide_all(client, case_id, graduate)
    assert case["status"] == "completed"
    departments = sorted({i["department"] for i in case["items"]})

    # Wednesday 30 September 2026: the eight days of 国庆 and 中秋 (1–8 October) do not count, the
    # make-up Saturday 10 October does: the 15th working day is Tuesday 27 October
    clock.set(beijing(date(2026, 9, 30), 16, 30))
    r = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 1, "comment": "社保卡寄了三次才收到", "reasons": ["slow", "many_trips"]},
        headers=graduate,
    )
    assert r.status_code == 201, r.text
    rating = r.json()
    assert rating["level"] == 1 and rating["level_name"] == "非常不满意" and rating["bad"] is True
    assert rating["follow_up"] == {"due_date": "2026-10-27", "status": "open"}
    assert sorted(f["department"] for f in rating["follow_ups"]) == departments
    assert {f["contact_due_date"] for f in rating["follow_ups"]} == {"2026-10-08"}  # contact: 1 working day

    again = client.post(f"/api/v1/applications/{case_id}/rating", json={"level": 5}, headers=graduate)
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "already_rated"
    english = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 5},
        headers={**graduate, "Accept-Language": "en"},
    )
    assert english.json()["errors"][0]["message"] == "you have already rated this case (one rating each)"

    seen = client.get(f"/api/v1/applications/{case_id}/rating", headers=graduate).json()
    assert [r["comment"] for r in seen["ratings"]] == ["社保卡寄了三次才收到"]
    assert {f["status"] for f in seen["follow_ups"]} == {"open"}
    timeline = client.get(f"/api/v1/applications/{case_id}", headers=graduate).json()["timeline"]
    assert ("rated", "评价：非常不满意") in [(e["event"], e.get("detail")) for e in timeline]
    assert sum(e["event"] == "follow_up_opened" for e in timeline) == len(departments)

    # nobody else sees or rates her case: not even that it exists
    stranger = file_hebei_case(client)[1]
    assert client.get(f"/api/v1/applications/{case_id}/rating", headers=stranger).status_code == 404
    assert (
        client.post(f"/api/v1/applications/{case_id}/rating", json={"level": 5}, headers=stranger).status_code
        == 404
    )


def test_each_department_answers_its_own_follow_up_and_the_graduate_rates_the_answer(
    client: TestClient, clock: SettableClock
) -> None:
    case_id, graduate = file_graduate_case(client)
    decide_all(client, case_id, graduate)
    clock.set(beijing(date(2026, 9, 30)))
    r = client.post(f"/api/v1/applications/{case_id}/rating", json={"level": 2}, headers=graduate)
    assert r.status_code == 201 and r.json()["follow_up"]["due_date"] == "2026-10-27"
    hrss, tax = staff(client, "hrss"), staff(client, "tax")
    mine = client.get("/api/v1/follow-ups", headers=hrss).json()
    assert [f["department"] for f in mine] == ["hrss"]
    hrss_follow_up = mine[0]["follow_up_id"]
    assert mine[0]["rating"]["level_name"] == "不满意"
    # another department neither reads nor answers it; an applicant has no follow-up list
    assert client.get(f"/api/v1/follow-ups/{hrss_follow_up}", headers=tax).status_code == 404
    answer = {"status": "contacted", "answer": "已电话联系申请人核实"}
    assert (
        client.post(f"/api/v1/follow-ups/{hrss_follow_up}/answer", json=answer, headers=tax).status_code
        == 404
    )
    assert client.get("/api/v1/follow-ups", params={"department": "hrss"}, headers=tax).status_code == 403
    assert client.get("/api/v1/follow-ups", headers=graduate).status_code == 403

    # the answer comes before the applicant may rate it, and a step cannot be skipped
    not_yet = client.post(
        f"/api/v1/applications/{case_id}/follow-ups/{hrss_follow_up}/rating",
        json={"level": 4},
        headers=graduate,
    )
    assert not_yet.status_code == 409 and not_yet.json()["errors"][0]["code"] == "not_answered"
    skipped = client.post(
        f"/api/v1/follow-ups/{hrss_follow_up}/answer",
        json={"status": "rectified", "answer": "已整改"},
        headers=hrss,
    )
    assert skipped.status_code == 409 and skipped.json()["errors"][0]["field"] == "status"
    clock.set(beijing(date(2026, 10, 8), 9))
    contacted = client.post(f"/api/v1/follow-ups/{hrss_follow_up}/answer", json=answer, headers=hrss)
    assert contacted.status_code == 200 and contacted.json()["status"] == "contacted"
    clock.set(beijing(date(2026, 10, 20), 15))
    rectified = client.post(
        f"/api/v1/follow-ups/{hrss_follow_up}/answer",
        json={"status": "rectified", "answer": "已优化就业登记审核流程，当日办结"},
        headers=hrss,
    )
    assert rectified.status_code == 200
    assert [s["status"] for s in rectified.json()["steps"]] == ["contacted", "rectified"]

    seen = client.get(f"/api/v1/applications/{case_id}/rating", headers=graduate).json()
    hers = next(f for f in seen["follow_ups"] if f["follow_up_id"] == hrss_follow_up)
    assert hers["answer"] == "已优化就业登记审核流程，当日办结" and hers["status"] == "rectified"
    notices = client.get(f"/api/v1/applications/{case_id}", headers=graduate).json()["notices"]
    assert any("已优化就业登记审核流程" in n["text"] for n in notices)
    rated = client.post(
        f"/api/v1/applications/{case_id}/follow-ups/{hrss_follow_up}/rating",
        json={"level": 4, "comment": "处理及时"},
        headers=graduate,
    )
    assert rated.status_code == 201 and rated.json()["applicant_rating"]["level_name"] == "满意"
    twice = client.post(
        f"/api/v1/applications/{case_id}/follow-ups/{hrss_follow_up}/rating",
        json={"level": 5},
        headers=graduate,
    )
    assert twice.status_code == 409

    # 28 October: every other department is past its due date; the supervisor sees those first
    clock.set(beijing(date(2026, 10, 28)))
    supervisor = bearer(client, username="supervisor", password="sandbox")
    listed = client.get("/api/v1/follow-ups", headers=supervisor).json()
    assert [f["overdue"] for f in listed] == [True] * (len(listed) - 1) + [False]
    assert listed[-1]["follow_up_id"] == hrss_follow_up
    assert all(f["working_days_left"] == -1 for f in listed[:-1])
    overdue = client.get("/api/v1/follow-ups", params={"overdue": "true"}, headers=supervisor).json()
    assert len(overdue) == len(listed) - 1


def test_an_item_is_rated_on_its_own_and_words_are_checked(client: TestClient) -> None:
    case_id, worker = file_hebei_case(client)
    case = decide_all(client, case_id, worker)
    item = case["items"][0]
    bad = client.post(
        f"/api/v1/applications/{case_id}/rating", json={"level": 6, "reasons": []}, headers=worker
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "level"
    unknown = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 3, "reasons": ["fast", "rude"]},
        headers=worker,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"field": "reasons[1]", "code": "code_list", "message": "评价原因 rude 不在可选范围内"}
    ]
    good = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 5, "item": item["item_id"], "reasons": ["fast"]},
        headers=worker,
    )
    assert good.status_code == 201 and "follow_up" not in good.json()
    assert good.json()["departments"] == [item["department"]]
    whole = client.post(f"/api/v1/applications/{case_id}/rating", json={"level": 3}, headers=worker)
    assert whole.status_code == 201 and "follow_up" not in whole.json()
    no_item = client.post(
        f"/api/v1/applications/{case_id}/rating", json={"level": 3, "item": "no_such_item"}, headers=worker
    )
    assert no_item.status_code == 422 and no_item.json()["errors"][0]["field"] == "item"


def test_a_bad_rating_naming_one_department_opens_its_follow_up_only(client: TestClient) -> None:
    """差评整改 goes to the department rated: a whole-case 差评 naming 医保 opens one follow-up, for
    医保; an item's 差评, one for the item's department; a department that handled nothing of the
    case is refused by name."""
    case_id, worker = file_hebei_case(client)
    case = decide_all(client, case_id, worker)
    stranger = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 1, "departments": ["housing_fund"]},
        headers=worker,
    )
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "departments[0]"
    named = client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 2, "departments": ["medical_insurance"]},
        headers=worker,
    )
    assert named.status_code == 201, named.text
    assert [f["department"] for f in named.json()["follow_ups"]] == ["medical_insurance"]
    item = next(i for i in case["items"] if i["department"] == "tax")
    one = client.post(
        f"/api/v1/applications/{case_id}/rating", json={"level": 1, "item": item["item_id"]}, headers=worker
    )
    assert [f["department"] for f in one.json()["follow_ups"]] == ["tax"]
    seen = client.get(f"/api/v1/applications/{case_id}/rating", headers=worker).json()
    assert sorted(f["department"] for f in seen["follow_ups"]) == ["medical_insurance", "tax"]


def test_figures_count_ratings_per_theme_and_department(client: TestClient) -> None:
    case_id, worker = file_hebei_case(client)
    case = decide_all(client, case_id, worker)
    departments = sorted({i["department"] for i in case["items"]})
    client.post(f"/api/v1/applications/{case_id}/rating", json={"level": 1}, headers=worker)
    client.post(
        f"/api/v1/applications/{case_id}/rating",
        json={"level": 4, "item": case["items"][0]["item_id"]},
        headers=worker,
    )
    supervisor = bearer(client, username="supervisor", password="sandbox")
    stats = client.get("/api/v1/stats", headers=supervisor).json()
    hebei = next(t for t in stats["themes"] if t["theme_id"] == "hebei.flexible-employment")
    assert hebei["cases"] == 1 and "outcomes" in hebei and "on_time_rate" in hebei  # the old fields stay
    assert hebei["ratings"] == {
        "ratings": 2,
        "by_level": {"5": 0, "4": 1, "3": 0, "2": 0, "1": 1},
        "good": 1,
        "bad": 1,
        "good_rate": 0.5,
    }
    by_department = {d["department"]: d for d in stats["ratings"]["by_department"]}
    assert sorted(by_department) == departments
    first = by_department[case["items"][0]["department"]]
    assert first["ratings"] == 2 and first["good_rate"] == 0.5
    assert all(d["follow_ups"]["open"] == 1 for d in by_department.values())
    assert client.get("/api/v1/ratings/figures", headers=supervisor).json()["by_department"] == list(
        by_department.values()
    )
    assert client.get("/api/v1/ratings/figures", headers=worker).status_code == 403
    latest = client.get("/api/v1/ratings", params={"bad": "true"}, headers=supervisor).json()
    assert [(r["level"], r["target"], r["theme_id"]) for r in latest] == [
        (1, "case", "hebei.flexible-employment")
    ]
    first_department = case["items"][0]["department"]
    by_department = client.get("/api/v1/ratings", params={"department": first_department}, headers=supervisor)
    assert sorted(r["level"] for r in by_department.json()) == [1, 4]
    assert client.get("/api/v1/ratings", headers=worker).status_code == 403


def test_a_region_sets_its_own_follow_up_deadline(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text(
        "ratings:\n  follow_up_working_days: 15\n  regions:\n    '130000': {follow_up_working_days: 5}\n",
        encoding="utf-8",
    )
    with feature_client(
        database_url, tmp_path, clock, {"LIANBAN_DEPLOYMENT_FILE": str(deployment)}
    ) as client:
        case_id, worker = file_hebei_case(client)  # 河北省 (130000)
        decide_all(client, case_id, worker)
        clock.set(beijing(date(2026, 9, 30)))
        r = client.post(f"/api/v1/applications/{case_id}/rating", json={"level": 2}, headers=worker)
        assert r.json()["follow_up"]["due_date"] == "2026-10-13"  # 8, 9, 10 (补班), 12, 13 October


def test_the_departments_a_case_rating_concerns_are_its_items_departments_once_each() -> None:
    """One rule (ratings.service.case_departments) for the page's choices and the API's check."""
    from lianban.ratings.service import case_departments

    assert case_departments(["tax", "hrss", "tax", "archives"]) == ["archives", "hrss", "tax"]
