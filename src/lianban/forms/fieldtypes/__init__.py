"""Field types (字段类型): one small check per canonical type, registered by the type's name.

Each module holds a family of types with their parsing, rules and messages — identifiers
(公民身份号码, 统一社会信用代码, 银行账号), persons (姓名, 手机, 电话, 邮箱), dates (日期, 年月,
起止时间), numbers (数字, 金额, 百分比, 是否), codes (代码, 行政区划, 地址) and free text — and
registers each type in :data:`FIELD_KINDS` (:mod:`~lianban.forms.fieldtypes.registry`);
:func:`lianban.forms.validate.validate_value` looks a field's type up there. Importing this package
registers them all, and fails at once if a type of :class:`~lianban.catalog.model.FieldType` has no
check.
"""

from lianban.catalog.model import FieldType
from lianban.forms.fieldtypes import codes, dates, identifiers, numbers, persons, text
from lianban.forms.fieldtypes.checking import PART_LABELS, Checking, is_empty
from lianban.forms.fieldtypes.registry import FIELD_KINDS, FieldKind, field_type
from lianban.forms.fieldtypes.validators import apply_validators

__all__ = [
    "FIELD_KINDS",
    "PART_LABELS",
    "Checking",
    "FieldKind",
    "apply_validators",
    "codes",
    "dates",
    "field_type",
    "identifiers",
    "is_empty",
    "numbers",
    "persons",
    "text",
]

_missing = sorted(t.value for t in FieldType if t not in FIELD_KINDS)
if _missing:
    raise RuntimeError(f"field types without a check: {', '.join(_missing)}")
