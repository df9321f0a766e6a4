"""The world of the bulk-generated cases (批量生成办件, :mod:`lianban_bench.bulk`): the Wuhan
graduates they are filed for — names, schools, streets, resident ID numbers distinct by
construction — and the theme's plan, worked out once."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric

import lianban.cases.schema  # noqa: F401 — registers the cases room's tables on Base.metadata
from lianban.cases.states import ItemStatus
from lianban.catalog.catalogue import Catalogue
from lianban.catalog.model import ConnectorKind, Item, Theme
from lianban.catalog.outcomes import case_finish_times, finish_times

S = ItemStatus
NO_MATERIALS: list[Any] = []  # shared, never changed: serialised once per batch
# item statuses as plain strings in the hot loop (an enum member lookup costs more than the rest)
WAITING, QUEUED, APPROVED, REJECTED = (s.value for s in (S.WAITING, S.QUEUED, S.APPROVED, S.REJECTED))
MARK = "bulk"  # Idempotency-Key of a generated case: bulk-{seed}-{n}

# ---- the people: Wuhan graduates (GB/T 2260 district codes of Wuhan, real universities and streets)
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("420102", "江岸区"),
    ("420103", "江汉区"),
    ("420104", "硚口区"),
    ("420105", "汉阳区"),
    ("420106", "武昌区"),
    ("420107", "青山区"),
    ("420111", "洪山区"),
    ("420112", "东西湖区"),
    ("420113", "汉南区"),
    ("420114", "蔡甸区"),
    ("420115", "江夏区"),
    ("420116", "黄陂区"),
    ("420117", "新洲区"),
)
BIRTH_FIRST = date(1996, 1, 1)
BIRTH_DAYS = 2922  # born 1996–2003: graduates of the last few years
ID_SPACE = len(DISTRICTS) * BIRTH_DAYS * 999  # district × birth day × sequence 001–999
ID_STEP = 7919  # a prime not dividing ID_SPACE (= 2·3^4·13·37·487): owner → ID number is a bijection
MASK40 = (1 << 40) - 1
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚华玉兰萍红梅鑫宇浩然轩欣怡涵思远嘉豪晨曦萱俊佳琪博雅婷志海燕翊诺心悦航睿泽"
SCHOOLS = (
    "武汉大学",
    "华中科技大学",
    "华中师范大学",
    "武汉理工大学",
    "中南财经政法大学",
    "湖北大学",
    "武汉科技大学",
    "湖北工业大学",
    "江汉大学",
    "武汉职业技术学院",
)
MAJORS = (
    "计算机科学与技术",
    "软件工程",
    "会计学",
    "汉语言文学",
    "机械设计制造及其自动化",
    "法学",
    "电子信息工程",
    "市场营销",
    "土木工程",
    "视觉传达设计",
)
STREETS = (
    "珞喻路",
    "雄楚大道",
    "解放大道",
    "中山大道",
    "武珞路",
    "光谷大道",
    "建设大道",
    "友谊大道",
    "民族大道",
)
WORK = ("自由职业（软件开发外包）", "网络直播", "外卖配送", "自由撰稿", "平面设计", "家教服务", "摄影摄像")
LEVELS = ("20", "20", "20", "30", "14")  # 本科 mostly, some 专科 and 硕士 (GB/T 4658 graduation codes)
REFUSALS = (
    "申请信息与部门登记信息不一致，请核实后重新申请",
    "已在其他统筹地区参保，不能重复登记",
    "不符合受理条件：超过补贴申领期限",
    "户籍信息核验未通过",
)
REFUSED_BY_WAIT = "所等待的前置事项未获准予，本事项无法办理"


@dataclass(frozen=True)
class BulkInfo:
    cases: int  # cases now in the database made by this generator (total)
    owners: list[str]  # a sample of owners (id numbers) that have cases, for list queries
    case_ids: list[str]  # a sample of case ids (with their owner in owner_of) for detail queries
    owner_of: dict[str, str]  # case_id -> owner
    seconds: float  # time this call spent


# ---------------------------------------------------------------------------- the theme, once


@dataclass(frozen=True)
class _ItemPlan:
    item: Item
    waits_for: tuple[str, ...]  # item codes present in the case
    waits_for_any: tuple[str, ...]
    legal_days: int  # from acceptance, along the dependency graph (as filing counts them)
    promised_days: int
    documents: tuple[dict[str, Any], ...]  # physical documents it issues (for delivery)
    waits_json: tuple[list[str], list[str]]  # shared by every row: processed once per batch


@dataclass(frozen=True)
class _ThemePlan:
    theme: Theme
    digest: str
    order: tuple[_ItemPlan, ...]  # dependencies first
    case_legal_days: int
    case_promised_days: int
    keys: frozenset[str]  # canonical keys the theme's items use
    situation: dict[str, str]  # the situation answers (情形) every generated case gives
    refusable: tuple[str, ...]  # items a department may refuse (a status lookup is always answered)
    codes: dict[str, tuple[str, ...]]  # code lists the generated values draw from


def _plan(catalogue: Catalogue, theme: Theme, digest: str) -> _ThemePlan:
    items = [it for it in theme.items if it.applies_if is None]
    legal = case_finish_times(theme, items, "legal")  # as filing computes them
    promised = case_finish_times(theme, items, "promised")
    depth = finish_times(items, {it.code: 1 for it in items})
    present = {it.code for it in items}
    order = tuple(
        _ItemPlan(
            item=it,
            waits_for=tuple(c for c in it.waits_for if c in present),
            waits_for_any=tuple(c for c in it.waits_for_any if c in present),
            legal_days=legal[it.code],
            promised_days=promised[it.code],
            documents=tuple(
                {"item": it.code, "code": d.code, "name": d.name} for d in it.issues if d.physical
            ),
            waits_json=(
                [c for c in it.waits_for if c in present],
                [c for c in it.waits_for_any if c in present],
            ),
        )
        for it in sorted(items, key=lambda i: depth[i.code])
    )

    def codes(name: str, wanted: Sequence[str]) -> tuple[str, ...]:
        listed = catalogue.code_lists.get(name)
        known = {c.code for c in listed.codes} if listed else set(wanted)
        return tuple(c for c in wanted if c in known) or tuple(sorted(known))[:1]

    return _ThemePlan(
        theme=theme,
        digest=digest,
        order=order,
        case_legal_days=max(legal.values(), default=0),
        case_promised_days=max(promised.values(), default=0),
        keys=frozenset(f.key for it in items for f in it.fields),
        situation={s.id: s.default or s.options[0].code for s in theme.situations if s.applies_if is None},
        refusable=tuple(p.item.code for p in order if p.item.connector is not ConnectorKind.QUERY),
        codes={
            "id_type": codes("id_document_type", ["01"]),
            "ethnicity": codes("gb3304_ethnicity", ["01"] * 18 + ["03", "06", "15"]),
            "level": codes("gb4658_education", LEVELS),
            "flexible_form": codes(
                "hubei.flexible_employment_form",
                ["flexible", "flexible", "self_employment", "individual_business"],
            ),
            "collection": codes("hubei.card_collection_method", ["post", "post", "pickup"]),
        },
    )


# ---------------------------------------------------------------------------- the people


def owner_id_number(seed: int, owner: int) -> str:
    """The resident ID number (公民身份号码) of generated owner ``owner``: distinct per owner."""
    p = (owner * ID_STEP + seed * 104_729 + 12_345_677) % ID_SPACE
    p, district = divmod(p, len(DISTRICTS))
    sequence, day = divmod(p, BIRTH_DAYS)
    body = f"{DISTRICTS[district][0]}{BIRTH_FIRST + timedelta(days=day):%Y%m%d}{sequence + 1:03d}"
    return body + ric.calc_check_digit(body + "0")


def _person(plan: _ThemePlan, seed: int, owner: int) -> dict[str, Any]:
    """What the owner's forms say about them (the same person on each of their cases)."""
    number = owner_id_number(seed, owner)
    rng = random.Random(f"{seed}:owner:{owner}")
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    district = next(name for code, name in DISTRICTS if code == number[:6])
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    mobile = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    c = plan.codes
    address = {"region": number[:6], "detail": f"{district}{rng.choice(STREETS)}{rng.randrange(1, 999)}号"}
    collection = rng.choice(c["collection"])
    return {
        "person.name": name,
        "person.id_type": c["id_type"][0],
        "person.id_number": number,
        "person.gender": "1" if int(number[16]) % 2 else "2",
        "person.ethnicity": rng.choice(c["ethnicity"]),
        "person.birth_date": born.isoformat(),
        "person.mobile": mobile,
        "person.residence_address": address,
        "education.school": rng.choice(SCHOOLS),
        "education.major": rng.choice(MAJORS),
        "education.level": rng.choice(c["level"]),
        "employment.flexible_form": rng.choice(c["flexible_form"]),
        "employment.unit_name": rng.choice(WORK),
        "social_card.collection_method": collection,
        **({"delivery.address": address, "delivery.recipient": name} if collection == "post" else {}),
    }
