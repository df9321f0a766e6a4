"""Field validation (字段校验): one value of one canonical field, checked by its type.

:func:`validate_value` takes what an applicant (or a batch sheet, or data sharing) supplied for a
field, looks the field's type up in the registry of field types (:mod:`lianban.forms.fieldtypes`:
each type's parse, rules and messages), and returns the value normalised — an ID number with an
upper-case ``X``, a date as ``YYYY-MM-DD``, money as a string with two decimals, a range as
``{"start", "end"}`` — with every finding as a :class:`~lianban.forms.issues.FieldIssue` naming the
field by its Chinese and English label. Whether a field is required is decided elsewhere: an empty
value is never an issue here.

Codes: ``format`` (not a value of the type), ``checksum`` (a check character is wrong),
``range`` (a value of the type, but outside what is allowed), ``code_list`` (not a code of the
list), ``required`` (a part of a composite value is missing). A failed Luhn check of a bank
account is only a warning: many valid accounts do not use it.

The housing fund amounts and the pension base check (:mod:`lianban.forms.contributions`) and the
region figures (:mod:`lianban.forms.regions`) are importable from here too, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from lianban.catalog.codelists import CodeList
from lianban.catalog.model import FieldDef
from lianban.forms.contributions import HousingFundAmounts, Rounding, housing_fund_amounts, pension_base_issue
from lianban.forms.fieldtypes import FIELD_KINDS, Checking, apply_validators, is_empty
from lianban.forms.issues import FieldIssue
from lianban.forms.regions import REGIONS_FILE, RegionSettings, load_region_settings, region_settings

__all__ = [
    "REGIONS_FILE",
    "HousingFundAmounts",
    "RegionSettings",
    "Rounding",
    "housing_fund_amounts",
    "load_region_settings",
    "pension_base_issue",
    "region_settings",
    "validate_value",
]


def validate_value(
    field: FieldDef,
    value: object,
    *,
    today: date,
    code_lists: Mapping[str, CodeList],
) -> tuple[object | None, list[FieldIssue]]:
    """Check one value of ``field`` by its type and its declarative validators.

    Returns ``(normalised, issues)``. ``normalised`` is ``None`` when the value is empty (``None``,
    ``""``, blank, an empty list or mapping — required-ness is decided elsewhere) or when any
    error was found; warnings (a bank account failing Luhn) keep the value. Normalised forms:
    ID number and USCC upper-case without spaces; name with ``·``; mobile 11 digits; fixed line
    ``027-87654321``; date ``YYYY-MM-DD``; month ``YYYY-MM``; ranges ``{"start", "end"}`` (``end``
    may be ``None``: an open-ended period such as 无固定期限); integer ``int``; decimal and percent
    as plain decimal strings (``"12.5"``); money as a string with two decimals (``"1234.50"``);
    boolean ``bool``; code the code (a label is accepted); codes a list without duplicates; region
    the 6-digit code; address ``{"region", "detail"}``; bank account digits only.

    Raises ``KeyError`` when a code field's list is not in ``code_lists`` (a configuration error).
    """
    if is_empty(value):
        return None, []
    kind = FIELD_KINDS[field.type]
    ctx = Checking(field=field, today=today, code_lists=code_lists)
    normalised = kind.check(ctx, value)
    if normalised is not None and not ctx.has_errors:
        apply_validators(ctx, kind, normalised)
    if ctx.has_errors:
        return None, ctx.issues
    return normalised, ctx.issues
