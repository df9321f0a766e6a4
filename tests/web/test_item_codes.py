"""National item codes and the national case number (issue 17, point 8).

/work/shared DOMAIN.md, standards for integrated services: “GB/T 39554.1 (全国一体化政务服务平台 —
政务服务事项基本目录)”. None of the five seeds prints an item's 事项编码 or 实施编码 (seed 001 and 003
name 编码 only for 邮政编码 and 单位编码(社保)), so every shipped item carries a placeholder with the
national structure, marked ``unverified``, which the guide says is to be verified.
"""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from lianban.cases.numbering import next_case_number
from lianban.cases.schema import CaseItem
from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.check import check_paths
from lianban.catalog.item_codes import code_problems
from lianban.catalog.loader import THEMES_DIR
from lianban.dispatch.envelope import envelope_of
from lianban.migrate import upgrade
from sandbox_cases import file_hebei_case

CAT = default_catalogue()


def test_every_item_carries_its_codes_in_the_national_structure() -> None:
    for theme in CAT.themes.values():
        for it in theme.items:
            assert it.national is not None, (theme.id, it.code)
            assert code_problems(it.national, theme.region_code) == [], (theme.id, it.code)
            # no seed gives a code: every one is a placeholder and says so
            assert it.national.status == "unverified" and "占位" in it.national.source
            impl = it.national.implementation_code
            assert impl[2:4] == theme.region_code[:2]  # the implementing agency is in the province
            assert impl.endswith(it.national.item_code)
    # the same national item in two provinces: one 事项编码, two 实施编码
    hubei = CAT.theme("hubei.flexible-employment").item("employment_registration").national
    hebei = CAT.theme("hebei.flexible-employment").item("employment_registration").national
    assert hubei is not None and hebei is not None
    assert hubei.item_code == hebei.item_code and hubei.implementation_code != hebei.implementation_code


def test_themes_check_refuses_codes_out_of_structure(tmp_path: Path) -> None:
    text = (THEMES_DIR / "zibo.unit-employment.yaml").read_text(encoding="utf-8")
    first = text.index('      implementation_code: "') + len('      implementation_code: "')
    impl = text[first : text.index('"', first)]
    broken = impl[:17] + ("0" if impl[17] != "0" else "1") + impl[18:]  # a wrong USCC check character
    text = text.replace(impl, broken, 1)
    second = text.index("    national:\n", text.index(broken))
    end = text.index("      source: ", second)
    text = text[:second] + text[text.index("\n", end) + 1 :]  # the next item has no codes at all
    path = tmp_path / "zibo.unit-employment.yaml"
    path.write_text(text, encoding="utf-8")
    codes = [f.code for f in check_paths([path]) if f.file == path]
    assert "item_code_structure" in codes and "missing_item_code" in codes


def test_the_guide_shows_each_items_codes_and_that_they_are_placeholders(client: TestClient) -> None:
    page = client.get("/themes/hubei.flexible-employment", headers={"accept": "text/html"}).text
    registration = CAT.theme("hubei.flexible-employment").item("employment_registration").national
    assert registration is not None
    assert "事项编码" in page and registration.item_code in page
    assert "实施编码" in page and registration.implementation_code in page
    assert "（占位，待核实）" in page
    api = client.get("/api/v1/themes/hubei.flexible-employment/guide").json()
    by_code = {it["code"]: it for it in api["items"]}
    assert by_code["employment_registration"]["national"]["status"] == "unverified"


def test_a_case_has_a_national_case_number_and_its_items_go_out_with_their_codes(client: TestClient) -> None:
    case_id, headers = file_hebei_case(client)
    case = client.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    accepted = date.fromisoformat(case["accepted_at"][:10])
    # 办件编号: Hebei's region code, the acceptance date, the day's sequence
    assert re.fullmatch(r"130000\d{8}\d{6}", case["case_no"]), case["case_no"]
    assert (
        abs(
            (
                date(*map(int, (case["case_no"][6:10], case["case_no"][10:12], case["case_no"][12:14])))
                - accepted
            ).days
        )
        <= 1
    )
    second, _ = file_hebei_case(client)
    numbers = {c["case_id"]: c["case_no"] for c in client.get("/api/v1/applications", headers=headers).json()}
    assert int(numbers[second][-6:]) == int(numbers[case_id][-6:]) + 1
    sessions = client.app.state.sessions  # type: ignore[attr-defined]
    theme = CAT.theme("hebei.flexible-employment")
    with sessions() as session:
        item = session.get(CaseItem, (case_id, "employment_registration"))
        envelope = envelope_of(session, theme, item, "http://callback")
    assert envelope["case_no"] == case["case_no"]
    national = theme.item("employment_registration").national
    assert national is not None
    assert envelope["item_codes"] == {
        "item_code": national.item_code,
        "implementation_code": national.implementation_code,
        "status": "unverified",
    }


def test_case_numbers_racing_for_one_region_and_day_are_never_the_same(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    sessions = sessionmaker(engine)
    got: list[str] = []
    start = threading.Barrier(8)

    def file_one() -> None:
        start.wait()
        with sessions() as session, session.begin():
            got.append(next_case_number(session, "361100", date(2026, 12, 4)))

    threads = [threading.Thread(target=file_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert sorted(got) == [f"36110020261204{n:06d}" for n in range(1, 9)]
