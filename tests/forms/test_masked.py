"""A verified value shown masked (PIPL: minimum necessary) is its readable text with only the first
character kept — what the apply pages, the pre-check and the 补正 page show of an employer's hires."""

from __future__ import annotations

from lianban.catalog.catalogue import default_catalogue
from lianban.forms.service import masked

CAT = default_catalogue()


def test_a_code_a_division_and_an_address_are_masked_as_read() -> None:
    assert masked(CAT, "person.ethnicity", "01") == "汉*"  # 汉族, not its code 0*
    assert masked(CAT, "person.name", "上官晶媛") == "上***"
    assert masked(CAT, "person.hukou_region", "361123") == "江" + "*" * (len("江西省上饶市玉山县") - 1)
    address = masked(CAT, "person.hukou_address", {"region": "361123", "detail": "幸福路70号"})
    assert address.startswith("江*") and "幸福" not in address


def test_yes_or_no_and_empty_stay_what_they_are() -> None:
    """是/否 is one character either way: the value stays, for the pages to say it (a masked 是
    would read as 否); nothing verified stays nothing."""
    assert masked(CAT, "insurance.has_social_card", True) is True
    assert masked(CAT, "person.name", None) is None and masked(CAT, "person.name", "") == ""
