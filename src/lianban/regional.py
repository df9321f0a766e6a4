"""Rules each region sets for itself (各地规则): 好差评 follow-up deadlines, 预约 rules, drafts.

The documents leave these figures to the provinces (国办发〔2019〕51号 lets provinces set the
整改 deadline; halls set their own booking rules), so they are settings, never code. They come
from the deployment file, with defaults that match what most provinces do::

    ratings:
      follow_up_working_days: 15      # 差评整改: rectify and answer within N working days
      contact_working_days: 1         # 差评核实: contact the applicant within N working days
      regions:
        "370300": {follow_up_working_days: 10}     # 淄博市
    appointments:
      halls_file: ./halls.yaml        # the service halls (default: the shipped sample halls)
      booking_working_days: 5         # bookable: the next N working days, from tomorrow
      per_person_per_day: 1
      cancel_hours_before: 2
      slots_per_window: 4             # bookings per window per half-day
      no_show_limit: 2                # this many no-shows in a month bar booking for the rest of it
      regions:
        "361100": {booking_working_days: 7}        # 上饶市
    drafts:
      keep_days: 30                   # a draft not touched for this long is deleted

A region's rule is looked up by its GB/T 2260 code: the code itself, then its city (``4201xx`` →
``420100``), then its province (``420000``), then the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from lianban.config import ConfigError, read_yaml

HALLS_FILE = Path(__file__).parent / "appointments" / "data" / "halls.yaml"


@dataclass(frozen=True)
class RatingRules:
    """好差评: deadlines of the follow-up (整改) of a 差评, in working days."""

    follow_up_working_days: int = 15
    contact_working_days: int = 1


@dataclass(frozen=True)
class BookingRules:
    """预约: what a region's halls allow."""

    booking_working_days: int = 5
    per_person_per_day: int = 1
    cancel_hours_before: int = 2
    slots_per_window: int = 4
    no_show_limit: int = 2


Rules = TypeVar("Rules", RatingRules, BookingRules)


@dataclass(frozen=True)
class ByRegion(Generic[Rules]):
    """Defaults and the regions that differ from them."""

    default: Rules
    regions: dict[str, Rules] = field(default_factory=dict)

    def for_region(self, code: str) -> Rules:
        for candidate in (code, f"{code[:4]}00", f"{code[:2]}0000"):
            if candidate in self.regions:
                return self.regions[candidate]
        return self.default


@dataclass(frozen=True)
class RegionalSettings:
    ratings: ByRegion[RatingRules] = field(default_factory=lambda: ByRegion(RatingRules()))
    appointments: ByRegion[BookingRules] = field(default_factory=lambda: ByRegion(BookingRules()))
    halls_file: Path = HALLS_FILE
    draft_keep_days: int = 30


_MINIMUM = {
    "follow_up_working_days": 1,
    "contact_working_days": 0,
    "booking_working_days": 1,
    "per_person_per_day": 1,
    "cancel_hours_before": 0,
    "slots_per_window": 1,
    "no_show_limit": 1,
}


def _rules(where: str, base: Rules, body: Any) -> Rules:
    if not isinstance(body, dict):
        raise ConfigError(f"{where} must be a mapping")
    names = {f.name for f in fields(base)}
    values: dict[str, int] = {}
    for key, value in body.items():
        if key == "regions":
            continue
        if key not in names:
            raise ConfigError(f"{where}.{key} is not a setting (known: {', '.join(sorted(names))})")
        if isinstance(value, bool) or not isinstance(value, int) or value < _MINIMUM[key]:
            raise ConfigError(f"{where}.{key} must be a whole number ≥ {_MINIMUM[key]}, not {value!r}")
        values[key] = value
    return replace(base, **values)


def _by_region(where: str, base: Rules, body: Any) -> ByRegion[Rules]:
    default = _rules(where, base, body)
    regions: dict[str, Rules] = {}
    for code, region_body in (body.get("regions") or {}).items():
        code = str(code)
        if len(code) != 6 or not code.isdigit():
            raise ConfigError(f"{where}.regions: {code!r} is not a 6-digit region code (GB/T 2260)")
        regions[code] = _rules(f"{where}.regions.{code}", default, region_body)
    return ByRegion(default, regions)


def load_regional(path: Path | None) -> RegionalSettings:
    """The ``ratings:``, ``appointments:`` and ``drafts:`` sections of the deployment file."""
    doc: Any = read_yaml(path) if path else {}
    if not isinstance(doc, dict):
        doc = {}
    where = str(path)
    appointments = doc.get("appointments") or {}
    halls = appointments.get("halls_file") if isinstance(appointments, dict) else None
    halls_file = HALLS_FILE
    if halls:
        halls_file = Path(str(halls))
        if not halls_file.is_absolute() and path is not None:
            halls_file = path.parent / halls_file
        if not halls_file.exists():
            raise ConfigError(f"{where}: appointments.halls_file {halls_file} does not exist")
    if isinstance(appointments, dict):
        appointments = {k: v for k, v in appointments.items() if k != "halls_file"}
    drafts = doc.get("drafts") or {}
    keep_days = drafts.get("keep_days", 30) if isinstance(drafts, dict) else 30
    if isinstance(keep_days, bool) or not isinstance(keep_days, int) or keep_days < 1:
        raise ConfigError(f"{where}: drafts.keep_days must be a whole number ≥ 1, not {keep_days!r}")
    return RegionalSettings(
        ratings=_by_region(f"{where}: ratings", RatingRules(), doc.get("ratings") or {}),
        appointments=_by_region(f"{where}: appointments", BookingRules(), appointments),
        halls_file=halls_file,
        draft_keep_days=keep_days,
    )
