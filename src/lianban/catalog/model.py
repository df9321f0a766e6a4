"""The shape of a theme (主题), its items (事项), fields, materials and outcome figures.

These pydantic models are the schema of the theme YAML files and of the canonical field
dictionary. Unknown keys are refused (``extra="forbid"``) so that a misspelt key in a theme file
is an error with its line, not a silently ignored setting.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from lianban.catalog.basics import Department, Label, Strict, department_name
from lianban.catalog.dictionary import FieldDef, FieldType, PrefillSource, Sensitivity, Validator

# ---------------------------------------------------------------- theme definitions


class Level(StrEnum):
    """实施层级."""

    PROVINCE = "province"  # 省级
    CITY = "city"  # 市级
    COUNTY = "county"  # 区县级
    TOWNSHIP = "township"  # 乡镇级


class ConnectorKind(StrEnum):
    REST = "rest"  # pushed to the department system, callback or poll
    WORKLIST = "worklist"  # department staff decide in lianban
    REDIRECT = "redirect"  # the applicant finishes on the department's site (e.g. e-tax)
    QUERY = "query"  # a status lookup shown as the item's result


class ProvidedBy(StrEnum):
    E_LICENCE = "e_licence"
    DATA_SHARING = "data_sharing"
    APPLICANT = "applicant"
    GENERATED = "generated"


class Reduction(StrEnum):
    """How a material or field was reduced (减材料/减表单的方式)."""

    NONE = "none"
    E_FORM = "e_form"  # 电子表单
    E_LICENCE = "e_licence"  # 电子证照
    DATA_SHARING = "data_sharing"  # 数据共享
    DEDUP = "dedup"  # 去重
    NON_REQUIRED = "non_required"  # 非必要材料 / 非必填字段


class Source(Strict):
    """Where a definition comes from: the seed document, or our inference where it is silent."""

    document: str
    title: str
    issuer: str
    date: str | None = None
    reference: str | None = None  # 文号


class TimeLimit(Strict):
    """Legal (法定) and promised (承诺) time limits in working days; 0 = 即办.

    ``promised_days`` is a range ``[min, max]`` (e.g. 1–20) or a single number.
    ``source`` says where the figure comes from: the document states it for the item
    (``document``); it is derived from a rule the theme cites — the theme's own stated limit, a
    regulation, the same item in the same province's document — and ``basis`` quotes it
    (``derived``); or nothing states it and it was inferred (``inferred``).
    """

    legal_days: int = Field(ge=0)
    promised_days: int | tuple[int, int]
    source: Literal["document", "derived", "inferred"] = "document"
    basis: str | None = None  # the sentence or article a derived limit follows
    note: str | None = None

    @field_validator("promised_days")
    @classmethod
    def _range_ordered(cls, v: int | tuple[int, int]) -> int | tuple[int, int]:
        if isinstance(v, tuple):
            lo, hi = v
            if lo < 0 or hi < lo:
                raise ValueError("promised_days range must be [min, max] with 0 <= min <= max")
        elif v < 0:
            raise ValueError("promised_days must be >= 0")
        return v

    @property
    def promised_min(self) -> int:
        return self.promised_days[0] if isinstance(self.promised_days, tuple) else self.promised_days

    @property
    def promised_max(self) -> int:
        return self.promised_days[1] if isinstance(self.promised_days, tuple) else self.promised_days


class Condition(Strict):
    """An acceptance condition (受理条件) as the document words it and as a CEL rule.

    ``rule`` evaluates to true when the condition is met. ``severity``: ``block`` makes an unmet
    condition refuse the item (or the whole application when ``scope`` is ``application``),
    ``warn`` only warns (e.g. 职工参保 later than 30 days), ``drop`` removes the item from the case
    with the reason (e.g. a person already holding a card needs no new one).
    """

    id: str
    text: str
    rule: str | None = None
    explain: str | None = None  # Chinese sentence naming the fact used, with {placeholders}
    explain_en: str | None = None
    severity: Literal["block", "warn", "drop"] = "block"
    scope: Literal["item", "application"] = "item"
    facts: tuple[str, ...] = ()  # canonical keys the rule reads


class SituationOption(Strict):
    code: str
    label: str
    label_en: str | None = None


class Situation(Strict):
    """A 情形: an answer that decides which items, fields and materials apply."""

    id: str
    question: str
    question_en: str | None = None
    options: tuple[SituationOption, ...]
    default: str | None = None
    applies_if: str | None = None  # CEL over other situation answers


class ItemField(Strict):
    """A canonical field as one item needs it, with the department system's own name (拆分还原)."""

    key: str
    system_field: str | None = None
    type: FieldType | None = None  # what the system expects; must agree with the dictionary
    required: bool = True
    code_map: str | None = None  # id of a theme code map from canonical codes to the system's codes
    visible_if: str | None = None  # CEL over situation answers and fields
    per_employee: bool | None = None  # employer themes: override the item's default


def system_name(ref: ItemField) -> str:
    """The field's name in the department system's payload (拆分还原): its own, else the key."""
    return ref.system_field or ref.key.replace(".", "_")


class Issued(Strict):
    """What an item issues (办理结果): a certificate, card or letter.

    ``at``: ``completion`` — issued when the item is decided (办结); ``acceptance`` — issued when
    the department accepts the item, before it completes, for another item to go on with (the
    receiving agency's 调档函: the original agency transfers the archive out against it, and the
    receipt completes when the archive arrives).
    """

    code: str
    name: str
    physical: bool = False  # delivered by pickup or post (统一送达)
    at: Literal["completion", "acceptance"] = "completion"


class NationalCodes(Strict):
    """The item in the national catalogue (GB/T 39554.1): its 事项编码 (basic code) and its
    实施编码 (the implementing agency's code for it). ``status``: ``verified`` — taken from the
    documents or the province's catalogue (``source`` names it); ``unverified`` — a placeholder
    with the national structure (``source`` says so), to be replaced."""

    item_code: str  # 事项编码（基本编码）
    implementation_code: str  # 实施编码
    status: Literal["verified", "unverified"]
    source: str


class Item(Strict):
    """One 事项 of a theme."""

    code: str
    name: str
    name_en: str | None = None
    official_name: str | None = None  # the name as the document prints it, when abbreviated
    department: Department
    handling_agency: str  # 办理机构 as the document names it
    system: str  # the department system as the document names it
    levels: tuple[Level, ...]
    national: NationalCodes | None = None  # 事项编码 / 实施编码 (themes check wants them)
    time_limit: TimeLimit
    connector: ConnectorKind
    conditions: tuple[Condition, ...] = ()
    applies_if: str | None = None  # CEL over situation answers: the item is in the case only if true
    waits_for: tuple[str, ...] = ()  # all of these (when in the case) must be approved first
    waits_for_any: tuple[str, ...] = ()  # at least one of these (when in the case) approved first
    # documents (Issued codes, ``at: acceptance``) another item of the case issues before this one
    # is sent, with their numbers in its envelope: 档案转出 goes with the 调档函 档案接收 issued
    waits_for_document: tuple[str, ...] = ()
    # the department completes this item only after these (when in the case) are approved: 档案接收
    # is complete when the archive that 档案转出 sends has arrived (counted in its finish time)
    completes_after: tuple[str, ...] = ()
    fields: tuple[ItemField, ...] = ()
    materials: tuple[str, ...] = ()
    issues: tuple[Issued, ...] = ()
    per_employee: bool = False  # employer themes: one sub-application per employee row
    optional: bool = False  # the applicant may leave it out (e.g. 档案 items, 户口迁移)
    process: tuple[str, ...] = ()  # the document's steps for this item
    basis: str | None = None  # 设定依据 / legal basis as quoted
    note: str | None = None


class SubmitAfter(Strict):
    """A material handed in after the application, not with it (后补材料): within ``within_months``
    of the application, to ``to`` (an office of ``department``) — Shangrao's 缓缴/降缴 papers go to
    the 公积金分中心 “在提交申请后一个月内”. Filing opens a follow-up obligation with that due date,
    on the case's timeline, reminded, and shown to the department's reviewer."""

    within_months: int = Field(ge=1, le=12)
    to: str
    department: Department
    basis: str  # the sentence the obligation follows


class Material(Strict):
    """One material (材料) of the theme's one set of materials (一套材料)."""

    id: str
    name: str
    name_en: str | None = None
    source_channel: str  # 来源渠道: 申请人自备 / 政府部门核发 …
    kind: str = "原件"  # 材料类型
    form: str  # 材料形式: 电子表单 / 电子证照 / 普通电子文件 / 纸质
    paper_copies: int = 0
    required: bool = True
    spec: str | None = None
    provided_by: ProvidedBy
    # where the applicant supplies none: taken from the e-licence library (电子证照库) if it holds it
    fallback: ProvidedBy | None = None
    reduction: Reduction = Reduction.NONE
    applies_if: str | None = None  # CEL over situation answers
    accept: tuple[str, ...] = ("pdf", "jpeg", "png")
    max_bytes: int = 10 * 1024 * 1024
    photo: PhotoSpec | None = None
    submit_after: SubmitAfter | None = None  # handed in after the application (后补), not with it
    note: str | None = None


class PhotoSpec(Strict):
    """Photo requirements, e.g. Hubei's 358×441 px, 14–40 KB, white background JPEG."""

    width: int
    height: int
    min_kb: int
    max_kb: int
    format: Literal["jpeg", "png"] = "jpeg"
    background: Literal["white", "blue", "red", "any"] = "white"


Material.model_rebuild()


class ReducedMaterial(Strict):
    """An original material (原始材料) the theme no longer asks for, and how it went."""

    name: str
    reduction: Reduction
    status: Literal["reduced", "suggested"] = "reduced"  # 已减 / 建议减


class ReducedField(Strict):
    """An original form field (原始填写项) dropped from the one form, and how.

    ``keys``: the canonical fields it became, where the one form still has them; a field reduced
    as 非必填字段 (``non_required``) must then be optional in every item (``themes check``).
    """

    name: str
    reduction: Reduction
    status: Literal["reduced", "suggested"] = "reduced"
    keys: tuple[str, ...] = ()


class Figures(Strict):
    """Days, trips, materials and steps (四减): before or after."""

    days: int | tuple[int, int] | None = None
    trips: int | None = None
    materials: int | None = None
    steps: int | None = None


class StatedOutcomes(Strict):
    """The before/after figures exactly as the document states them."""

    before: Figures
    after: Figures
    reduction_percent: dict[str, int] = Field(default_factory=dict)
    # what the stated materials figure counts: the most one applicant supplies in any situation
    # (default), or the whole one set of materials (一套材料) of which each supplies some
    materials_count: Literal["most_in_one_case", "whole_set"] = "most_in_one_case"


class CodeMapping(Strict):
    """Canonical codes → a department system's local codes (拆分还原)."""

    id: str
    from_list: str
    to_list: str | None = None
    map: dict[str, str]
    default: str | None = None


class BatchColumn(Strict):
    """One column of an employer's batch table (e.g. Shangrao's 18 numbered columns)."""

    number: int
    title: str
    key: str
    required: Literal["always", "if_chosen"] = "always"
    rule: str | None = None  # the filling rule as the document states it


class BatchTable(Strict):
    title: str
    columns: tuple[BatchColumn, ...]
    header_keys: tuple[str, ...] = ()
    footer_keys: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # 填表说明, verbatim


class Channel(Strict):
    code: Literal["web", "app", "window", "mini_program"]
    name: str


class Fees(Strict):
    amount_yuan: int = 0
    note: str


class Theme(Strict):
    """A 主题 / 一件事: items, one form, one set of materials, figures."""

    id: str
    name: str
    name_en: str
    region_code: str
    region_name: str
    applicant_type: Literal["person", "employer"]
    lead_department: Department
    lead_agency: str
    source: Source
    service_object: str
    channels: tuple[Channel, ...]
    fees: Fees
    delivery_methods: tuple[Literal["pickup", "post", "online"], ...] = ("pickup", "post")
    levels: tuple[Level, ...] = ()
    stated_time_limit: TimeLimit | None = None  # a limit stated for the whole theme (Hebei: 15)
    situations: tuple[Situation, ...] = ()
    conditions: tuple[Condition, ...] = ()  # theme-level 办理条件
    employer_fields: tuple[ItemField, ...] = ()  # employer themes: the header
    items: tuple[Item, ...]
    materials: tuple[Material, ...]
    reduced_materials: tuple[ReducedMaterial, ...] = ()
    reduced_fields: tuple[ReducedField, ...] = ()
    original_forms: tuple[str, ...] = ()  # forms merged into the one form (减表单)
    code_maps: tuple[CodeMapping, ...] = ()
    batch_table: BatchTable | None = None
    commitment: str | None = None  # 承诺书 text printed on the form
    process: tuple[str, ...] = ()  # overall process, the document's steps
    outcomes: StatedOutcomes | None = None
    notes: tuple[str, ...] = ()

    def item(self, code: str) -> Item:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)

    def material(self, material_id: str) -> Material:
        for m in self.materials:
            if m.id == material_id:
                return m
        raise KeyError(material_id)


__all__ = [
    "BatchColumn",
    "BatchTable",
    "Channel",
    "CodeMapping",
    "Condition",
    "ConnectorKind",
    "Department",
    "Fees",
    "FieldDef",
    "FieldType",
    "Figures",
    "Issued",
    "Item",
    "ItemField",
    "Label",
    "Level",
    "Material",
    "PhotoSpec",
    "PrefillSource",
    "ProvidedBy",
    "ReducedField",
    "ReducedMaterial",
    "Reduction",
    "Sensitivity",
    "Situation",
    "SituationOption",
    "Source",
    "StatedOutcomes",
    "Strict",
    "Theme",
    "TimeLimit",
    "Validator",
    "department_name",
    "system_name",
]
