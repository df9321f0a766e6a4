"""What every part of a theme's schema shares: strict models (unknown keys refused), the
departments (部门) and their names, bilingual labels."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Department(StrEnum):
    """The eight department codes of the public contract (API.md)."""

    HRSS = "hrss"  # 人社
    SOCIAL_INSURANCE = "social_insurance"  # 社保经办
    MEDICAL_INSURANCE = "medical_insurance"  # 医保
    TAX = "tax"  # 税务
    PUBLIC_SECURITY = "public_security"  # 公安
    HOUSING_FUND = "housing_fund"  # 公积金
    ARCHIVES = "archives"  # 人才/档案
    SOCIAL_CARD = "social_card"  # 社保卡


DEPARTMENT_NAMES: dict[Department, tuple[str, str]] = {
    Department.HRSS: ("人力资源社会保障部门", "Human resources and social security"),
    Department.SOCIAL_INSURANCE: ("社会保险经办机构", "Social insurance agency"),
    Department.MEDICAL_INSURANCE: ("医疗保障部门", "Medical insurance"),
    Department.TAX: ("税务部门", "Tax"),
    Department.PUBLIC_SECURITY: ("公安机关", "Public security"),
    Department.HOUSING_FUND: ("住房公积金管理中心", "Housing provident fund"),
    Department.ARCHIVES: ("人才服务/档案管理机构", "Personnel archives"),
    Department.SOCIAL_CARD: ("社会保障卡管理机构", "Social security card"),
}


def department_name(code: str) -> str:
    """The department's Chinese name; the code itself for a finer system not in the list."""
    try:
        return DEPARTMENT_NAMES[Department(code)][0]
    except ValueError:
        return code


class Label(Strict):
    zh: str
    en: str
