"""Region figures (地区参数): what a deployment configures per region — the province's average wage
(全口径城镇单位就业人员平均工资, for the pension base's 60 %–300 %) and the housing fund's rounding
and rate bounds — looked up for a division by walking up to its city and province.

The shipped ``data/regions.yaml`` holds placeholder wages; a deployment gives its own file in
``LIANBAN_REGIONS_FILE`` (:func:`deployment_regions`), read and checked once when its platform is
built, so a file that cannot be used stops the start naming the variable.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from lianban.config import ConfigError, Settings
from lianban.forms.contributions import QUANTUM, HousingFundRates, Rounding
from lianban.forms.fieldtypes.checking import is_ascii_digits

__all__ = [
    "REGIONS_FILE",
    "VARIABLE",
    "RegionSettings",
    "deployment_regions",
    "load_region_settings",
    "region_settings",
    "shipped_regions",
]

REGIONS_FILE = Path(__file__).parent / "data" / "regions.yaml"
VARIABLE = "LIANBAN_REGIONS_FILE"


@dataclass(frozen=True)
class RegionSettings:
    """Figures configured for a region (``data/regions.yaml``); ``region_code`` is the entry used
    (the province for a city asked about)."""

    region_code: str
    name: str
    average_wage_yuan_per_year: Decimal
    average_wage_year: int
    source: str
    placeholder: bool
    housing_fund_rounding: Rounding
    housing_fund_rates: HousingFundRates = field(default_factory=HousingFundRates)

    @property
    def average_wage_yuan_per_month(self) -> Decimal:
        return self.average_wage_yuan_per_year / 12


_SETTINGS_KEYS = frozenset(
    {
        "name",
        "average_wage_yuan_per_year",
        "average_wage_year",
        "placeholder",
        "source",
        "housing_fund_rounding",
    }
)
_OPTIONAL_KEYS = frozenset({"housing_fund_rates"})
_RATE_KEYS = ("usual_min", "max", "reduced_min")
NATIONAL_MAX_RATE = Decimal(12)  # 5–12 % (DOMAIN.md): a region may lower the maximum, not raise it


def _parse_rates(code: str, body: Any, path: Path) -> HousingFundRates:
    """``housing_fund_rates: {usual_min: 5, max: 12, reduced_min: 1}`` (percent; any key omitted
    keeps the national default)."""
    if not isinstance(body, Mapping):
        raise ValueError(f"{path}: entry {code}: housing_fund_rates must be a mapping")
    unknown = sorted(str(k) for k in body if k not in _RATE_KEYS)
    if unknown:
        raise ValueError(f"{path}: entry {code}: housing_fund_rates: unknown key {unknown[0]}")
    default = HousingFundRates()
    given: dict[str, Decimal] = {}
    for key in _RATE_KEYS:
        value = Decimal(str(body.get(key, getattr(default, key))))
        if not value.is_finite() or not 0 < value <= NATIONAL_MAX_RATE:
            raise ValueError(
                f"{path}: entry {code}: housing_fund_rates.{key} must be a percent above 0 and at most "
                f"{NATIONAL_MAX_RATE} (the national maximum)"
            )
        given[key] = value
    rates = HousingFundRates(**given)
    if not rates.reduced_min <= rates.usual_min <= rates.max:
        raise ValueError(f"{path}: entry {code}: housing_fund_rates must keep reduced_min ≤ usual_min ≤ max")
    return rates


def _parse_settings(code: str, body: Any, path: Path) -> RegionSettings:
    if not isinstance(body, Mapping):
        raise ValueError(f"{path}: entry {code} must be a mapping")
    unknown = sorted(str(k) for k in body if k not in _SETTINGS_KEYS | _OPTIONAL_KEYS)
    if unknown:
        raise ValueError(f"{path}: entry {code}: unknown key {unknown[0]}")
    missing = sorted(k for k in _SETTINGS_KEYS if k not in body)
    if missing:
        raise ValueError(f"{path}: entry {code}: missing key {missing[0]}")
    rounding = body["housing_fund_rounding"]
    if rounding not in QUANTUM:
        raise ValueError(f"{path}: entry {code}: housing_fund_rounding must be yuan, jiao or fen")
    wage = Decimal(str(body["average_wage_yuan_per_year"]))
    if not wage.is_finite() or wage <= 0:
        raise ValueError(f"{path}: entry {code}: average_wage_yuan_per_year must be positive")
    return RegionSettings(
        region_code=code,
        name=str(body["name"]),
        average_wage_yuan_per_year=wage,
        average_wage_year=int(body["average_wage_year"]),
        source=str(body["source"]).strip(),
        placeholder=bool(body["placeholder"]),
        housing_fund_rounding=cast(Rounding, rounding),
        housing_fund_rates=_parse_rates(code, body.get("housing_fund_rates", {}), path),
    )


def load_region_settings(path: Path = REGIONS_FILE) -> dict[str, RegionSettings]:
    """All configured regions by code. Codes must be quoted strings of 6 digits."""
    with path.open(encoding="utf-8") as fh:
        doc = YAML(typ="safe").load(fh)
    if not isinstance(doc, Mapping):
        raise ValueError(f"{path}: must be a mapping of region codes")
    out: dict[str, RegionSettings] = {}
    for code, body in doc.items():
        if not (isinstance(code, str) and len(code) == 6 and is_ascii_digits(code)):
            raise ValueError(f"{path}: key {code!r} must be a quoted 6-digit region code")
        out[code] = _parse_settings(code, body, path)
    return out


@functools.cache
def _table(path: Path) -> Mapping[str, RegionSettings]:
    """One file's figures, read once per process (they do not change while it runs)."""
    return MappingProxyType(load_region_settings(path))


def deployment_regions(settings: Settings) -> Mapping[str, RegionSettings]:
    """The region figures ``settings`` name: ``LIANBAN_REGIONS_FILE``, else the shipped file.

    Raises :class:`ConfigError` naming the variable for a file that cannot be read or used."""
    path = settings.regions_file or REGIONS_FILE  # read once per path (a filing asks every time)
    try:
        return _table(path)
    except (OSError, ValueError, ArithmeticError, YAMLError) as exc:
        raise ConfigError(f"{VARIABLE}: {exc}") from None


def _ancestors(code: str) -> Sequence[str]:
    """361102 → 361102, 361100, 360000 (without repeats)."""
    chain = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(chain))


def shipped_regions() -> Mapping[str, RegionSettings]:
    """The shipped figures (``data/regions.yaml``, placeholder wages): for tests and the sandbox's
    simulated departments; the platform takes :func:`deployment_regions`."""
    return _table(REGIONS_FILE)


def region_settings(region_code: str, settings: Mapping[str, RegionSettings]) -> RegionSettings:
    """The settings for a region in ``settings`` (the deployment's figures, no default): its own
    entry, else its city's, else its province's.

    Raises ``KeyError`` when neither the region nor any level above it is configured.
    """
    table = settings
    code = str(region_code).strip()
    if not (len(code) == 6 and is_ascii_digits(code)):
        raise KeyError(f"not a 6-digit region code: {region_code!r}")
    for candidate in _ancestors(code):
        if candidate in table:
            return table[candidate]
    raise KeyError(f"no region settings for {code} or the divisions above it")
