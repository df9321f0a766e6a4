"""Per-item time limits where a document gives only the theme's (issue 17, point 5).

- Seed 004 (河北 灵活就业“一件事一次办”), 二（三）办理时限: “15个工作日。” — the only limit the
  document states, for the whole theme; 四: “人社、医保、税务等部门……实行并联审批”. Every item is
  derived from it (``source: derived`` with the sentence as ``basis``), and no sub-item of a case
  is due later than the 15th working day.
- Seed 001 (湖北 灵活就业一件事), 1.主题事项: “个人就业登记 市级/县区级 20个工作日 1个工作日” — Hubei's
  employment registration keeps its own 20/1 beside Hebei's 15: both are kept, each theme its own.
- Seed 004 states no “before” figure (no 改革前 days): the sum of Hebei's item limits is nobody's
  figure and is not shown as the theme's “before” days.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from lianban.calendar import china_date, due_date
from lianban.catalog.catalogue import default_catalogue
from lianban.catalog.check import check_paths
from lianban.catalog.guide import guide
from lianban.catalog.loader import THEMES_DIR
from sandbox_cases import file_hebei_case

CAT = default_catalogue()
HEBEI = CAT.theme("hebei.flexible-employment")


def test_hebeis_items_are_derived_from_the_themes_fifteen_working_days() -> None:
    assert HEBEI.stated_time_limit is not None and HEBEI.stated_time_limit.legal_days == 15
    for it in HEBEI.items:
        limit = it.time_limit
        assert limit.source == "derived", it.code
        assert limit.basis is not None and "15个工作日" in limit.basis and "并联审批" in limit.basis
        assert limit.legal_days <= 15
    assert any("文件只规定整件事的办理时限15个工作日" in n for n in HEBEI.notes)


def test_employment_registration_keeps_hebeis_15_and_hubeis_20() -> None:
    hebei = HEBEI.item("employment_registration").time_limit
    hubei = CAT.theme("hubei.flexible-employment").item("employment_registration").time_limit
    assert (hebei.legal_days, hebei.source) == (15, "derived")
    assert (hubei.legal_days, hubei.promised_days, hubei.source) == (20, 1, "document")


def test_hebei_shows_no_before_days_that_no_source_states() -> None:
    outcomes = guide(HEBEI)["outcomes"]
    assert outcomes["stated"] is False
    assert outcomes["before"]["days"] is None  # not 6 × 15, not the 60 of the old inferred limits
    assert outcomes["computed"]["before"]["days"] is None
    assert "days" not in outcomes["reduction_percent"]
    assert outcomes["before"]["steps"] == 6  # what the definition does determine stays
    # Hubei's graduate theme states its 121 days: shown as stated
    assert guide(CAT.theme("hubei.graduate-employment"))["outcomes"]["before"]["days"] == 121


def test_guide_quotes_the_basis_of_each_derived_limit() -> None:
    items = guide(HEBEI)["time_limit"]["items"]
    assert all(i["source"] == "derived" and "15个工作日" in i["basis"] for i in items)
    assert guide(HEBEI)["time_limit"]["legal_days"] == 15


def test_no_sub_item_of_a_hebei_case_is_due_after_the_fifteenth_working_day(client: TestClient) -> None:
    case_id, headers = file_hebei_case(client)
    case = client.get(f"/api/v1/applications/{case_id}", headers=headers).json()
    accepted = china_date(datetime.fromisoformat(case["accepted_at"]))  # working days count in China
    limit = due_date(accepted, 15).due_date.isoformat()
    assert case["due_date"] <= limit and case["promised_due_date"] <= limit
    assert all(i["legal_due_date"] <= limit and i["promised_due_date"] <= limit for i in case["items"])
    # the fee declarations after their registrations are bound by the same 15 days
    fee = next(i for i in case["items"] if i["code"] == "medical_fee_declaration")
    assert fee["legal_due_date"] == case["due_date"]


def test_themes_check_wants_a_basis_for_a_derived_limit_and_no_item_over_the_theme(tmp_path: Path) -> None:
    text = (THEMES_DIR / "hebei.flexible-employment.yaml").read_text(encoding="utf-8")
    first = text.index("      basis: ")
    text = text[:first] + text[text.index("\n", first) + 1 :]
    text = text.replace("      legal_days: 15\n", "      legal_days: 20\n", 1)
    path = tmp_path / "hebei.flexible-employment.yaml"
    path.write_text(text, encoding="utf-8")
    codes = {f.code for f in check_paths([path]) if f.file == path}
    assert {"limit_basis", "exceeds_theme_limit"} <= codes
