"""Code lists (代码表): national standards and the option lists the source forms print.

Each list is a YAML file in ``data/codelists/<id>.yaml`` that names its source::

    id: gb2261_1_gender
    name: 人的性别代码
    name_en: Codes for human sexes
    source: GB/T 2261.1-2003
    codes:
      - {code: "1", label: 男, label_en: Male}

Optional per code: ``parent`` (a code of the same list), ``note``, ``maps_to`` (a code of the list
named by the list's ``maps_to_list``), ``valid_from`` / ``valid_to`` (years). Codes are strings:
an unquoted ``01`` in YAML is the integer 1, so the loader refuses any code that is not a string.

Two lists are built at load time from data that ships inside installed packages rather than
typed here:

- ``gb2260`` — administrative divisions (GB/T 2260), from python-stdnum's ``cn/loc.dat``, every
  code that ever existed with its years of validity. A resident ID number keeps the address code
  it was issued with after the division is renamed or abolished (DOMAIN.md), so
  :func:`is_known_region` accepts historical codes.
- ``gb2659_country`` — countries and regions (GB/T 2659 adopts ISO 3166-1), from pycountry,
  alpha-3 codes with the zh_CN names of its translations.

The parts: :mod:`~lianban.catalog.codelists.model` (the list and its codes),
:mod:`~lianban.catalog.codelists.files` (reading and checking the files),
:mod:`~lianban.catalog.codelists.regions` and :mod:`~lianban.catalog.codelists.countries` (the
built lists).
"""

from lianban.catalog.codelists.countries import COUNTRY_LIST_ID, country_code_list
from lianban.catalog.codelists.files import CODELISTS_DIR, load_code_list, load_code_lists
from lianban.catalog.codelists.model import Code, CodeList, CodeListError
from lianban.catalog.codelists.regions import REGION_LIST_ID, is_known_region, region_code_list, region_name

__all__ = [
    "CODELISTS_DIR",
    "COUNTRY_LIST_ID",
    "REGION_LIST_ID",
    "Code",
    "CodeList",
    "CodeListError",
    "country_code_list",
    "is_known_region",
    "load_code_list",
    "load_code_lists",
    "region_code_list",
    "region_name",
]
