"""Countries and regions (世界各国和地区名称代码, GB/T 2659, which adopts ISO 3166-1), built from
pycountry: alpha-3 codes with the zh_CN names of its translations.
"""

from __future__ import annotations

import functools
import gettext
import importlib.metadata

import pycountry

from lianban.catalog.codelists.model import Code, CodeList

__all__ = ["COUNTRY_LIST_ID", "country_code_list"]

COUNTRY_LIST_ID = "gb2659_country"

# Chinese short names used for these three in Chinese official usage (the translation catalogue
# has 香港, 澳门 and 中国台湾省).
_COUNTRY_OVERRIDES: dict[str, tuple[str, str]] = {
    "CHN": ("中国", "China"),
    "HKG": ("中国香港", "Hong Kong, China"),
    "MAC": ("中国澳门", "Macao, China"),
    "TWN": ("中国台湾", "Taiwan, China"),
}


@functools.cache
def country_code_list() -> CodeList:
    """Countries and regions by ISO 3166-1 alpha-3 code (GB/T 2659), CHN first, labelled in
    Chinese from pycountry's zh_CN translations."""
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    version = importlib.metadata.version("pycountry")
    entries: list[Code] = []
    for country in pycountry.countries:
        alpha_3 = str(country.alpha_3)
        name_en = str(country.name)
        label, label_en = _COUNTRY_OVERRIDES.get(alpha_3, (zh.gettext(name_en), name_en))
        note = f"ISO 3166-1 alpha-2 {country.alpha_2}, numeric {country.numeric}"
        if alpha_3 in _COUNTRY_OVERRIDES and alpha_3 != "CHN":
            note += f"; ISO 3166-1 name: {name_en}"
        entries.append(Code(code=alpha_3, label=label, label_en=label_en, note=note))
    entries.sort(key=lambda c: (c.code != "CHN", c.code))
    return CodeList(
        id=COUNTRY_LIST_ID,
        name="世界各国和地区名称代码",
        name_en="Codes for the names of countries and regions of the world",
        source=(
            "GB/T 2659 世界各国和地区名称代码 (national adoption of ISO 3166-1), alpha-3 codes, "
            f"built from pycountry {version} (ISO 3166-1 data and its zh_CN translations)"
        ),
        codes=tuple(entries),
    )
