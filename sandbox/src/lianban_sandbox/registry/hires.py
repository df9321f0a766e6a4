"""Synthetic new hires (沙箱新招用员工): employee rows for an employer theme, valid as filed.

:func:`sandbox_hires` makes ``n`` rows of the theme's per-employee fields (员工花名册) for people
the sandbox registry knows: a checksum-valid resident ID number (python-stdnum) of working age
from the theme's region, the registry's verified values for that person (name, gender,
ethnicity, addresses …, so that nothing is ``locked``), and plausible values for what the
employer types (hire date within the last weeks, contract period, wage, housing fund base and
rates inside the fields' validators, occupation …). Which fields a row needs is read from the
theme (the merged form's employee fields), never from a list per theme.

Every candidate row is then checked as a filing would check it (``check_submission`` with the
registry's prefill and facts); a person the rules refuse (not resident in the province, say) is
replaced by the next one, so the rows pass validation. Deterministic for a seed and a registry
date. Used by tests and by the benchmark that uploads a 1,000-employee sheet.

Written by hand: these are this project's own fixtures; no library draws Chinese HR records.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from stdnum import luhn
from stdnum.cn import ric

from lianban.catalog.catalogue import Catalogue, default_catalogue
from lianban.catalog.codelists import region_code_list, region_name
from lianban.catalog.model import FieldType
from lianban.forms.regions import shipped_regions
from lianban.forms.spec import FormField, build_form
from lianban.forms.submission import check_submission
from lianban.sharing.providers import SharingHub
from lianban_sandbox.registry.registry import sandbox_hub

__all__ = ["sandbox_hires"]

# Sample texts for free-text employee fields, by canonical key (not by theme): what an employer
# in the theme's region would write. Other text fields get "<label>" with the region's name.
_OCCUPATIONS = ("普工", "操作工", "质检员", "仓库管理员", "电工", "焊工", "装配工", "叉车司机", "包装工")
_BANKS = ("中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "中国邮政储蓄银行")
_STREETS = ("工业大道", "经开大道", "创业路", "科技园路", "兴业大道", "发展大道")

_EARLIEST_AGE, _LATEST_AGE = 18, 50
_MAX_ROUNDS = 50


def _city(region: str) -> str:
    """The prefecture's full name (the province's where a county has no prefecture)."""
    for code in (region[:4] + "00", region[:2] + "0000"):
        try:
            return region_name(code)
        except KeyError:
            continue
    return region_name(region)


def _text_value(key: str, label: str, region: str, rnd: random.Random) -> str:
    place = region_name(region)
    if key == "employment.occupation":
        return rnd.choice(_OCCUPATIONS)
    if key.endswith("work_address"):
        return f"{place}{rnd.choice(_STREETS)}{rnd.randint(1, 300)}号"
    if key.endswith("service_bank"):
        return f"{rnd.choice(_BANKS)}{_city(region)}分行"
    if key.endswith("receiving_agency"):
        return f"{_city(region)}公共就业和人才服务中心"
    return f"{place}{label}"


def _counties(prefix: str) -> list[tuple[str, int, int]]:
    """County-level divisions under ``prefix`` with the years they existed (ID numbers keep the
    code in force in the birth year)."""
    return [
        (c.code, c.valid_from or 0, c.valid_to or 9999)
        for c in region_code_list()
        if c.code.startswith(prefix) and not c.code.endswith("00") and c.label != "市辖区"
    ]


class _Drawer:
    """Draws candidate hires for one theme: ID numbers, then every value a row needs."""

    def __init__(
        self, catalogue: Catalogue, theme_id: str, hub: SharingHub, today: date, rnd: random.Random
    ) -> None:
        self.catalogue = catalogue
        self.theme = catalogue.theme(theme_id)
        self.hub = hub
        self.today = today
        self.rnd = rnd
        self.fields: list[FormField] = [f for f in build_form(catalogue, self.theme).employee_fields]
        region = self.theme.region_code
        self.near = _counties(region[:4]) or _counties(region[:2])
        self.province = _counties(region[:2])
        self.seen: set[str] = set()

    def province_in(self, year: int) -> list[str]:
        return [c for c, start, end in self.province if start <= year <= end]

    def id_number(self) -> str:
        """A new checksum-valid number of working age, born where the theme is (or in its
        province, when the prefecture's codes did not exist yet in the birth year)."""
        rnd = self.rnd
        while True:
            age_days = rnd.randint(_EARLIEST_AGE * 366, _LATEST_AGE * 365)
            birth = self.today - timedelta(days=age_days)
            near = [c for c, start, end in self.near if start <= birth.year <= end]
            pool = near if near and rnd.random() < 0.8 else self.province_in(birth.year)
            if not pool:
                continue
            body = f"{rnd.choice(pool)}{birth:%Y%m%d}{rnd.randrange(1000):03d}"
            number = body + str(ric.calc_check_digit(body + "0"))
            if number not in self.seen and ric.is_valid(number):
                self.seen.add(number)
                return number

    def row(self, number: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """One candidate row and the registry's verified values for that person."""
        rnd = self.rnd
        verified = dict(self.hub.prefill_person(number))
        region = str(verified.get("person.hukou_region") or self.theme.region_code)
        hired = self.today - timedelta(days=rnd.randint(0, 20))
        wage = Decimal(rnd.randrange(2800, 9000, 100))
        row: dict[str, Any] = {}
        for f in self.fields:
            if f.key in verified:
                row[f.key] = verified[f.key]
                continue
            d = f.definition
            if not (f.required and f.visible) or (d.prefill.value == "computed" and d.compute):
                continue  # left to the employer's choice, or computed by the server
            value = self._value(f, number, verified, region, hired, wage)
            if value is not None:
                row[f.key] = value
        return row, verified

    def _value(
        self,
        f: FormField,
        number: str,
        verified: Mapping[str, Any],
        region: str,
        hired: date,
        wage: Decimal,
    ) -> Any:
        rnd, d, t = self.rnd, f.definition, f.definition.type
        lo = next((v.min for v in d.validators if v.min is not None), None)
        hi = next((v.max for v in d.validators if v.max is not None), None)
        address = verified.get("person.residence_address") or verified.get("person.hukou_address")
        if t is FieldType.ID_NUMBER:
            return number
        if t in (FieldType.MOBILE, FieldType.PHONE):
            return f"1{rnd.choice('35789')}{rnd.randrange(10**9):09d}"
        if t is FieldType.NAME:
            return verified.get("person.name")
        if t is FieldType.DATE:
            return hired.isoformat()
        if t is FieldType.MONTH:
            return f"{hired:%Y-%m}"
        if t in (FieldType.DATE_RANGE, FieldType.MONTH_RANGE):
            end = date(hired.year + 3, hired.month, 1) - timedelta(days=1)
            if t is FieldType.MONTH_RANGE:
                return {"start": f"{hired:%Y-%m}", "end": f"{end:%Y-%m}"}
            return {"start": hired.isoformat(), "end": end.isoformat()}
        if t in (FieldType.MONEY, FieldType.DECIMAL, FieldType.INTEGER, FieldType.PERCENT):
            base = Decimal(12) if t is FieldType.PERCENT else wage
            if lo is not None:
                base = max(base, Decimal(repr(lo)))
            if hi is not None:
                base = min(base, Decimal(repr(hi)))
            return f"{base:.2f}" if t is FieldType.MONEY else str(int(base))
        if t is FieldType.CODE and d.code_list:
            codes = [c.code for c in self.catalogue.code_lists[d.code_list] if c.valid_to is None]
            return rnd.choice(codes)
        if t is FieldType.CODES and d.code_list:
            return [c.code for c in self.catalogue.code_lists[d.code_list] if c.valid_to is None]
        if t is FieldType.ADDRESS:
            return dict(address) if isinstance(address, Mapping) else None
        if t is FieldType.REGION:
            return region
        if t is FieldType.EMAIL:
            return f"hire{number[-6:]}@example.com"
        if t is FieldType.BANK_ACCOUNT:
            body = f"62{rnd.randrange(10**16):016d}"
            return body + str(luhn.calc_check_digit(body))
        if t is FieldType.BOOLEAN:
            return False
        return _text_value(f.key, d.label.zh, region, rnd)


def sandbox_hires(
    n: int,
    theme_id: str,
    seed: int = 0,
    *,
    catalogue: Catalogue | None = None,
    hub: SharingHub | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """``n`` employee rows (``form.employees``) for an employer theme that pass validation.

    Values are in canonical form (codes, ``YYYY-MM-DD`` dates, ``{"start", "end"}`` periods,
    ``{"region", "detail"}`` addresses). ``hub`` defaults to the sandbox registry, ``today`` to
    the registry's date.
    """
    catalogue = catalogue or default_catalogue()
    theme = catalogue.theme(theme_id)
    if theme.applicant_type != "employer":
        raise ValueError(f"{theme_id} is not an employer theme: it has no employees")
    hub = hub or sandbox_hub()
    today = today or date.today()
    drawer = _Drawer(catalogue, theme_id, hub, today, random.Random(f"lianban-hires:{theme_id}:{seed}"))
    hires: list[dict[str, Any]] = []
    refusals: Counter[str] = Counter()
    for _ in range(_MAX_ROUNDS):
        if len(hires) >= n:
            break
        want = n - len(hires)
        numbers = [drawer.id_number() for _ in range(want + want // 4 + 1)]
        drawn = [drawer.row(number) for number in numbers]
        rows = [row for row, _ in drawn]
        checked = check_submission(
            catalogue,
            theme,
            items=None,
            situation=None,
            form={"employees": rows},
            employee_prefill=[verified for _, verified in drawn],
            employee_facts=[dict(hub.facts(id_number=x, province_code=theme.region_code)) for x in numbers],
            today=today,
            regions=shipped_regions(),
        )
        refused: set[int] = set()
        for issue in checked.errors:
            if issue.field.startswith("employees["):
                index = int(issue.field[len("employees[") : issue.field.index("]")])
                refused.add(index)
                refusals[issue.field.split("].", 1)[-1]] += 1
        hires += [row for i, row in enumerate(rows) if i not in refused][:want]
    if len(hires) < n:
        common = ", ".join(f"{field} ×{count}" for field, count in refusals.most_common(3))
        raise RuntimeError(f"{theme_id}: only {len(hires)} of {n} synthetic hires pass validation ({common})")
    return hires
