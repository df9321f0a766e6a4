"""Service halls (政务服务大厅) as data: where they are, how many windows take booked applicants,
their half-day opening hours and the themes they handle. Read from YAML (the shipped sample halls
or a deployment's own file) and checked when the app starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from lianban.calendar import CHINA_TZ
from lianban.config import ConfigError, read_yaml

PERIODS = ("am", "pm")
PERIOD_WORDS = {"am": ("上午", "morning"), "pm": ("下午", "afternoon")}


@dataclass(frozen=True)
class Hall:
    id: str
    name: str
    region_code: str
    windows: int
    hours: dict[str, tuple[time, time]]  # period → (opens, closes), Beijing time
    address: str | None = None
    themes: tuple[str, ...] | None = None  # None: every theme of the hall's province

    def serves(self, theme_id: str, theme_region: str) -> bool:
        if self.themes is not None:
            return theme_id in self.themes
        return theme_region[:2] == self.region_code[:2]

    def slot(self, day: date, period: str) -> tuple[datetime, datetime]:
        """When a half-day slot starts and ends (aware, Beijing time)."""
        opens, closes = self.hours[period]
        return (
            datetime.combine(day, opens, tzinfo=CHINA_TZ),
            datetime.combine(day, closes, tzinfo=CHINA_TZ),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "region_code": self.region_code,
            "address": self.address,
            "windows": self.windows,
            "hours": {p: [o.strftime("%H:%M"), c.strftime("%H:%M")] for p, (o, c) in self.hours.items()},
            **({"themes": list(self.themes)} if self.themes is not None else {}),
        }


def _time(where: str, value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not a time HH:MM") from exc


def _hall(path: Path, i: int, body: Any) -> Hall:
    where = f"{path}: halls[{i}]"
    if not isinstance(body, dict):
        raise ConfigError(f"{where} must be a mapping")
    for key in ("id", "name", "region_code", "windows", "hours"):
        if key not in body:
            raise ConfigError(f"{where} needs {key}")
    region = str(body["region_code"])
    if len(region) != 6 or not region.isdigit():
        raise ConfigError(f"{where}.region_code {region!r} is not a 6-digit region code")
    windows = body["windows"]
    if isinstance(windows, bool) or not isinstance(windows, int) or windows < 1:
        raise ConfigError(f"{where}.windows must be a whole number ≥ 1")
    hours: dict[str, tuple[time, time]] = {}
    for period in PERIODS:
        pair = (body["hours"] or {}).get(period)
        if not isinstance(pair, list) or len(pair) != 2:
            raise ConfigError(f"{where}.hours.{period} must be [opens, closes]")
        opens, closes = _time(f"{where}.hours.{period}", pair[0]), _time(f"{where}.hours.{period}", pair[1])
        if closes <= opens:
            raise ConfigError(f"{where}.hours.{period}: closes before it opens")
        hours[period] = (opens, closes)
    if hours["pm"][0] < hours["am"][1]:
        raise ConfigError(f"{where}.hours: the afternoon starts before the morning ends")
    themes = body.get("themes")
    return Hall(
        id=str(body["id"]),
        name=str(body["name"]),
        region_code=region,
        windows=windows,
        hours=hours,
        address=str(body["address"]) if body.get("address") else None,
        themes=tuple(str(t) for t in themes) if themes is not None else None,
    )


def load_halls(path: Path) -> dict[str, Hall]:
    """The halls of ``path`` by id; an unusable file stops the start, naming the hall and key.
    Read once per version of the file."""
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: Path, _version: int) -> dict[str, Hall]:
    doc = read_yaml(path)
    if not isinstance(doc, list):
        raise ConfigError(f"{path}: a list of halls is expected")
    halls: dict[str, Hall] = {}
    for i, body in enumerate(doc):
        hall = _hall(path, i, body)
        if hall.id in halls:
            raise ConfigError(f"{path}: hall {hall.id} is listed twice")
        halls[hall.id] = hall
    return halls
