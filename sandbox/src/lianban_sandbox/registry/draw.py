"""Drawing synthetic civil records (沙箱数据的抽样): word tables, names, addresses, numbers.

Deterministic: every draw comes from a ``random.Random`` seeded with the SHA-256 of an identifier
(an ID number, a USCC), so the same identifier gives the same values in every run and on every
machine. Written by hand: no library draws Chinese civil records; python-stdnum supplies the
check characters.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Mapping
from datetime import date

from stdnum.cn import ric, uscc

from lianban.calendar.retirement import add_months
from lianban.catalog.codelists import region_code_list, region_name
from lianban.forms.fieldtypes.identifiers import is_valid_id_number
from lianban.sharing.providers import Address


def age_on(birth: date, day: date) -> int:
    """Full years (周岁) on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def years_later(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def rng(identifier: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(identifier.encode("ascii")).digest(), "big"))


@functools.lru_cache(maxsize=65536)  # a person is read often
def valid_id(number: str) -> str | None:
    """The compact number when the product's validator would accept it: any address code that ever
    existed (GB/T 2260 with abolished codes), whatever the birth year — as a real registry knows
    the people born before their division's code was created."""
    compact = str(ric.compact(number)).upper()
    return compact if is_valid_id_number(compact) else None


def valid_uscc(code: str) -> str | None:
    compact = str(uscc.compact(code))
    return compact if uscc.is_valid(compact) else None


def id_with_check(body17: str) -> str:
    return body17 + str(ric.calc_check_digit(body17 + "0"))


# ----------------------------------------------------------------------------------- drawing tables


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
_GIVEN_MALE = "伟强磊军洋勇杰涛明超斌鹏浩宇晨俊博文志建国华平辉刚健鑫昊然轩哲睿泽凯航峰亮毅翔"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲婷雪慧颖琳欣怡萱雨佳思梦璐瑶倩晶月悦诗涵琪媛丹莉蕾妍菲"
STREETS = words(
    "人民路 解放路 建设路 中山路 和平街 文化路 新华路 胜利街 光明路 团结路 幸福路 学府路 长江路 黄河路 朝阳街 滨江大道"
)
BRANDS = ("恒信", "鼎盛", "华远", "瑞丰", "金桥", "博雅", "宏达", "万通", "新纪元", "启明", "汇通", "联创")
INDUSTRIES = ("科技", "商贸", "建筑工程", "物流", "餐饮管理", "信息技术", "机械制造", "文化传媒", "医药")
SHOPS = ("便利店", "小吃店", "理发店", "五金店", "水果店", "服装店")
MAJORS = words(
    "计算机科学与技术 会计学 汉语言文学 机械设计制造及其自动化 护理学 土木工程 市场营销 电子商务 英语 法学 软件技术 临床医学"
)
VOCATIONAL_MAJORS = ("会计", "数控技术应用", "计算机应用", "护理", "汽车运用与维修", "电子技术应用")
UNIVERSITIES: Mapping[str, tuple[str, ...]] = {
    "42": ("武汉大学", "华中科技大学", "武汉理工大学", "华中师范大学", "湖北大学", "三峡大学", "长江大学"),
    "37": ("山东大学", "山东理工大学", "青岛大学", "山东师范大学", "济南大学"),
    "36": ("南昌大学", "江西财经大学", "江西师范大学", "上饶师范学院"),
    "13": ("河北大学", "河北师范大学", "燕山大学", "河北工业大学"),
}
COLLEGES: Mapping[str, tuple[str, ...]] = {
    "42": ("武汉职业技术学院", "湖北职业技术学院", "长江职业学院"),
    "37": ("淄博职业学院", "山东商业职业技术学院", "日照职业技术学院"),
    "36": ("上饶职业技术学院", "江西交通职业技术学院", "九江职业技术学院"),
    "13": ("石家庄职业技术学院", "河北工业职业技术大学", "邢台职业技术学院"),
}
NATIONAL_UNIVERSITIES = ("北京师范大学", "南开大学", "四川大学", "中南大学", "郑州大学", "西北大学")
NATIONAL_COLLEGES = ("深圳职业技术大学", "金华职业技术大学", "无锡职业技术学院")
MOBILE_PREFIXES = words(
    "130 131 132 135 136 137 138 139 150 151 155 156 158 159 166 177 180 181 186 187 188 189 191 199"
)
NUMERALS = "一二三四五六七八"

# (final level, weight) of a synthetic schooling path; see lianban_sandbox.registry.lives.
FINAL_LEVELS = (("71", 12), ("61", 13), ("41", 6), ("47", 4), ("31", 25), ("21", 30), ("14", 8), ("11", 2))
HIGHER_EDUCATION = frozenset({"11", "14", "21", "31"})
GRADUATION_AGE = {"81": 12, "71": 15, "61": 18, "41": 18, "47": 18, "31": 21, "21": 22, "14": 25, "11": 28}


def region_label(code: str) -> str:
    entry = region_code_list().get(code)
    return entry.label if entry else code


def prefecture(code: str) -> str:
    """The prefecture-level name for a county code (the county's own name when it has none)."""
    if code.endswith("00"):
        return region_label(code)
    pref = code[:4] + "00"
    if pref in region_code_list() and region_label(pref) not in ("市辖区", "县", "省直辖县级行政区划"):
        return region_label(pref)
    return region_label(code)


def police_bureau(code: str) -> str:
    """The public security bureau that issues identity cards for a division (发证机关)."""
    county = region_label(code)
    pref = prefecture(code)
    if county.endswith("区") and pref != county:
        return f"{pref}公安局{county[:-1]}分局"
    return f"{county}公安局"


def region_address(region: str, street: str) -> Address:
    return Address(region=region, detail=region_name(region) + street)


def draw_street(rnd: random.Random) -> str:
    return f"{rnd.choice(STREETS)}{rnd.randint(1, 399)}号{rnd.randint(1, 30)}栋{rnd.randint(1, 4)}单元{rnd.randint(1, 28)}0{rnd.randint(1, 4)}室"


def draw_name(rnd: random.Random, gender: str) -> str:
    surname = rnd.choice(_COMPOUND_SURNAMES) if rnd.random() < 0.02 else rnd.choice(_SURNAMES)
    chars = _GIVEN_MALE if gender == "1" else _GIVEN_FEMALE
    given = rnd.choice(chars) + (rnd.choice(chars) if rnd.random() < 0.7 else "")
    return surname + given


def _org_code(rnd: random.Random) -> str:
    """A GB 11714 organisation code (8 characters and its check), as new registrations get (MA…)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "MA" + "".join(rnd.choice(alphabet) for _ in range(6))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c, 36) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def draw_uscc(rnd: random.Random, kind: str, region: str) -> str:
    body = kind + region + _org_code(rnd)
    return body + str(uscc.calc_check_digit(body))


def graduation_day(birth: date, age: int) -> date:
    # Children born September–December start school a year later.
    return date(birth.year + age + (1 if birth.month >= 9 else 0), 6, 30)
