"""The canonical field dictionary's schema (字段字典): each field's type, sensitivity, where data
sharing fills it from and how it is checked (``data/fields.yaml``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from lianban.catalog.basics import Label, Strict

# ---------------------------------------------------------------- canonical field dictionary


class FieldType(StrEnum):
    """Value types of canonical fields; validation per type lives in the forms room."""

    STRING = "string"
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD
    MONTH = "month"  # YYYY-MM
    DATE_RANGE = "date_range"  # {start, end}
    MONTH_RANGE = "month_range"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"  # yuan, two decimals
    PERCENT = "percent"
    BOOLEAN = "boolean"
    CODE = "code"  # one code of `code_list`
    CODES = "codes"  # several codes of `code_list`
    ID_NUMBER = "id_number"  # 公民身份号码, GB 11643
    USCC = "uscc"  # 统一社会信用代码, GB 32100
    MOBILE = "mobile"
    PHONE = "phone"
    EMAIL = "email"
    REGION = "region"  # GB/T 2260 code
    ADDRESS = "address"  # {region, detail}
    BANK_ACCOUNT = "bank_account"
    NAME = "name"  # a person's name, may contain ·


class Sensitivity(StrEnum):
    """PIPL art. 28 sensitive personal information (敏感个人信息) or not."""

    NORMAL = "normal"
    SENSITIVE = "sensitive"


class PrefillSource(StrEnum):
    """Where a verified value can come from (数据共享) instead of the applicant."""

    NONE = "none"
    POPULATION = "population"  # 人口库
    E_LICENCE = "e_licence"  # 电子证照库
    EDUCATION = "education"  # 学历信息
    BUSINESS = "business"  # 市场主体登记
    SOCIAL_INSURANCE = "social_insurance"  # 社保参保信息
    ARCHIVES = "archives"  # 档案存放信息
    ACCOUNT = "account"  # the logged-in account (mobile, e-mail)
    COMPUTED = "computed"  # computed from other fields (e.g. 月缴存额)


class Validator(Strict):
    """A declarative check; evaluated by the forms room."""

    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    not_future: bool | None = None
    message: Label | None = None


class FieldDef(Strict):
    """One canonical field (规范字段) shared by all themes."""

    key: str
    type: FieldType
    label: Label
    code_list: str | None = None
    sensitivity: Sensitivity = Sensitivity.NORMAL
    # directly identifies a natural person (直接识别个人身份): name, phone, e-mail, address, account;
    # like a sensitive field it is stored encrypted (lianban.security.fieldcrypt)
    identifying: bool = False
    prefill: PrefillSource = PrefillSource.NONE
    validators: tuple[Validator, ...] = ()
    help: Label | None = None
    compute: str | None = None  # CEL expression for computed fields

    @property
    def computed(self) -> bool:
        """Filled by the platform from other fields (月缴存额 = 基数 × 比例), never typed; a field
        merely derived elsewhere (上饶's 户口性质 category: prefill computed, no expression) is typed."""
        return self.prefill is PrefillSource.COMPUTED and self.compute is not None

    @model_validator(mode="after")
    def _code_types_need_a_list(self) -> FieldDef:
        if self.type in (FieldType.CODE, FieldType.CODES) and not self.code_list:
            raise ValueError(f"field {self.key}: type {self.type} needs code_list")
        if self.type not in (FieldType.CODE, FieldType.CODES) and self.code_list:
            raise ValueError(f"field {self.key}: code_list only applies to code fields")
        return self
