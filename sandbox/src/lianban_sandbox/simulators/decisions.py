"""What a simulated department decides and issues (办结结果), and how it checks a payload against the item's JSON Schema."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from lianban_sandbox.simulators.model import (
    DEPARTMENT_NAMES,
    ID_KEY_HINTS,
    RESIDENT_ID,
    Decision,
    StoredRecord,
)

# What each department issues on approval: (document, label of its number).
_ISSUED: dict[str, tuple[str, str]] = {
    "hrss": ("就业创业证", "就业创业证编号"),
    "social_insurance": ("社会保险参保登记", "个人社保编号"),
    "medical_insurance": ("基本医疗保险参保登记", "医保个人编号"),
    "tax": ("税费申报回执", "税务文书号"),
    "public_security": ("准予迁入证明", "准予迁入证明编号"),
    "housing_fund": ("住房公积金个人账户", "公积金个人账号"),
    "archives": ("调档函", "调档函编号"),
    "social_card": ("社会保障卡", "社会保障卡号"),
}


def find_id_number(payload: Any) -> str | None:
    """The first resident ID number (公民身份号码) in a payload, preferring keys that name one."""
    found: list[tuple[int, str]] = []

    def walk(node: Any, key: str) -> None:
        if isinstance(node, dict):
            for child_key, child in node.items():
                walk(child, str(child_key))
        elif isinstance(node, list):
            for child in node:
                walk(child, key)
        elif isinstance(node, str) and RESIDENT_ID.match(node):
            hinted = any(hint in key.lower() for hint in ID_KEY_HINTS)
            found.append((0 if hinted else 1, node.upper()))

    walk(payload, "")
    if not found:
        return None
    return min(found, key=lambda pair: pair[0])[1]


def _serial(receipt_no: str, digits: int) -> str:
    value = int(hashlib.sha256(receipt_no.encode("utf-8")).hexdigest()[:12], 16) % (10**digits)
    return f"{value:0{digits}d}"


def issued_result(
    department: str, record: StoredRecord, decided: datetime, at: str = "completion"
) -> dict[str, Any]:
    """What an approval (or, ``at="acceptance"``, an acceptance: 调档函) issues: a document and its
    number, deterministic per receipt; named as the platform says the item issues it, when it says."""
    document, label = _ISSUED.get(department, ("办结通知书", "文书编号"))
    issue = record.issue(at)
    if issue is not None:
        document, label = str(issue.get("name", document)), f"{issue.get('name', document)}编号"
    id_number = find_id_number(record.payload)
    region = id_number[:6] if id_number else "420100"
    year = decided.strftime("%Y")
    if department == "social_card" and id_number:
        number = id_number  # the social security card number is the holder's ID number
    elif department == "hrss":
        number = f"{region}{year}{_serial(record.receipt_no, 8)}"
    elif department == "archives":
        word = "转递" if "转递" in document else "调档"
        number = f"{word}〔{year}〕{_serial(record.receipt_no, 6)}号"
    else:
        number = f"{department.upper()[:4]}{region}{_serial(record.receipt_no, 10)}"
    return {
        **({"code": issue["code"]} if issue is not None and "code" in issue else {}),
        "document": document,
        "number_label": label,
        "number": number,
        "issued_at": decided.date().isoformat(),
        "issuer": DEPARTMENT_NAMES.get(department, department),
    }


def decision_reason(department: str, decision: Decision, item: str) -> str | None:
    name = DEPARTMENT_NAMES.get(department, department)
    if decision == "reject":
        return f"{name}审核不予通过：申请信息与部门业务库比对不一致（模拟部门系统，事项 {item}）"
    if decision == "correct":
        return f"{name}要求补正：请补充或更正申请材料后重新提交（模拟部门系统，事项 {item}）"
    return None


def schema_errors(schema: dict[str, Any], payload: dict[str, Any]) -> list[dict[str, str]]:
    """The payload's violations of a JSON Schema, as problem-detail errors (empty when valid)."""
    validator_cls = validator_for(schema, default=Draft202012Validator)
    try:
        validator_cls.check_schema(schema)
    except SchemaError as exc:
        return [{"field": "schema", "code": "schema", "message": f"invalid JSON Schema: {exc.message}"}]
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    try:
        violations = sorted(validator.iter_errors(payload), key=lambda err: list(map(str, err.absolute_path)))
    except Exception as exc:  # an unresolvable $ref and the like: the schema is at fault, not the server
        return [{"field": "schema", "code": "schema", "message": f"schema cannot be applied: {exc}"}]
    return [
        {
            "field": ".".join(["payload", *(str(part) for part in err.absolute_path)]),
            "code": str(err.validator),
            "message": err.message,
        }
        for err in violations
    ]
