"""Sandbox people and employers to try the system with: GET /api/v1/sandbox/people (sandbox mode only).

Mounted only in sandbox mode (``lianban demo``, tests); in production the application does not
include this router, so the paths answer 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from lianban_sandbox.registry import sandbox_employers, sandbox_people

router = APIRouter(prefix="/api/v1/sandbox", tags=["sandbox"])

_FILTER = Query(
    None,
    max_length=50,
    description="只列出人员键、姓名或说明中含有此文字的 / keep entries whose persona key, name or description contains this",
)


@router.get("/people", summary="Sandbox persons: the named personas first, then synthetic people")
def people(
    limit: int = Query(20, ge=1, le=200, description="最多列出的人数 / how many (1–200)"),
    filter: str | None = _FILTER,
) -> list[dict[str, Any]]:
    """Each entry: ``id_number``, ``name``, ``birth_date``, ``age``, ``gender``, ``graduation``
    (``level``, ``school``, ``date`` … or ``null``), ``persona`` (the key, ``null`` for a synthetic
    person) and ``description``. Any checksum-valid ID number works in the sandbox; these are the
    ones worth trying."""
    return sandbox_people(limit=limit, filter=filter)


@router.get("/employers", summary="Sandbox employers (personas with and without registrations)")
def employers(
    limit: int = Query(20, ge=1, le=200, description="最多列出的单位数 / how many (1–200)"),
    filter: str | None = _FILTER,
) -> list[dict[str, Any]]:
    """Each entry: ``uscc``, ``name``, ``si_code``, ``housing_fund_account``, ``address``,
    ``persona`` and ``description``. Any valid USCC is a synthetic employer in the sandbox."""
    return sandbox_employers(limit=limit, filter=filter)
