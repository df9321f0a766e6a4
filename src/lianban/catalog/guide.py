"""The one-time notification guide (一次性告知): conditions, materials, limits, fees, channels, process, figures."""

from __future__ import annotations

from typing import Any

from lianban.catalog.model import Figures, Theme
from lianban.catalog.outcomes import compute, reduction_percent


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "days": list(f.days) if isinstance(f.days, tuple) else f.days,
        "trips": f.trips,
        "materials": f.materials,
        "steps": f.steps,
    }


def guide(theme: Theme) -> dict[str, Any]:
    """Everything an applicant must know before applying, and the theme's 四减 figures.

    ``time_limit`` is the whole case's: the longest path through the dependency graph under the
    legal and under the promised limits (or the limit the document states for the theme).
    """
    computed = compute(theme)
    conditions: list[dict[str, Any]] = [
        {"id": c.id, "item": None, "text": c.text, "severity": c.severity} for c in theme.conditions
    ]
    for it in theme.items:
        conditions += [
            {"id": c.id, "item": it.code, "item_name": it.name, "text": c.text, "severity": c.severity}
            for c in it.conditions
        ]
    needed_by: dict[str, list[str]] = {}
    for it in theme.items:
        for mid in it.materials:
            needed_by.setdefault(mid, []).append(it.code)
    materials = [
        {
            "id": m.id,
            "name": m.name,
            "required": m.required,
            "provided_by": m.provided_by.value,
            **({"fallback": m.fallback.value} if m.fallback else {}),
            # handed in after the application (后补材料): when and where
            **(
                {"submit_after": {"within_months": m.submit_after.within_months, "to": m.submit_after.to}}
                if m.submit_after
                else {}
            ),
            "form": m.form,
            "source_channel": m.source_channel,
            "paper_copies": m.paper_copies,
            "spec": m.spec,
            "reduction": m.reduction.value,
            "applies_if": m.applies_if,
            "items": needed_by.get(m.id, []),
            "note": m.note,
        }
        for m in theme.materials
    ]
    lo, hi = computed.promised_path_days
    time_limit: dict[str, Any] = {
        "legal_days": computed.legal_path_days,
        "promised_days": hi if lo == hi else [lo, hi],
        "items": [
            {
                "code": it.code,
                "name": it.name,
                "legal_days": it.time_limit.legal_days,
                "promised_days": list(it.time_limit.promised_days)
                if isinstance(it.time_limit.promised_days, tuple)
                else it.time_limit.promised_days,
                "source": it.time_limit.source,
                **({"basis": it.time_limit.basis} if it.time_limit.basis else {}),
            }
            for it in theme.items
        ],
    }
    if theme.stated_time_limit is not None:
        time_limit["stated"] = {
            "legal_days": theme.stated_time_limit.legal_days,
            "promised_days": theme.stated_time_limit.promised_max,
        }
    merged_fields = {ref.key for it in theme.items for ref in it.fields} | {
        ref.key for ref in theme.employer_fields
    }
    item_fields = sum(len(it.fields) for it in theme.items) + len(theme.employer_fields)
    outcomes: dict[str, Any] = {
        "computed": {"before": _figures(computed.before), "after": _figures(computed.after)},
        # 减表单: one merged form against the sum of the items' own forms
        "form_fields": {"merged": len(merged_fields), "items_total": item_fields},
    }
    if theme.outcomes is not None:
        outcomes["before"] = _figures(theme.outcomes.before)
        outcomes["after"] = _figures(theme.outcomes.after)
        outcomes["reduction_percent"] = reduction_percent(theme.outcomes.before, theme.outcomes.after)
        outcomes["stated_reduction_percent"] = dict(theme.outcomes.reduction_percent)
    else:
        # the sum of the legal limits is a "before" figure only when the document states every
        # item's limit; a sum of derived or inferred limits (Hebei's 60 days) is nobody's figure
        before = computed.before
        if not computed.before_days_sourced:
            before = before.model_copy(update={"days": None})
            outcomes["computed"]["before"]["days"] = None
        outcomes["before"] = _figures(before)
        outcomes["after"] = _figures(computed.after)
        outcomes["reduction_percent"] = reduction_percent(before, computed.after)
        outcomes["stated"] = False
    return {
        "theme_id": theme.id,
        "name": theme.name,
        "service_object": theme.service_object,
        "conditions": conditions,
        "situations": [
            {
                "id": s.id,
                "question": s.question,
                "options": [{"code": o.code, "label": o.label} for o in s.options],
            }
            for s in theme.situations
        ],
        "materials": materials,
        "time_limit": time_limit,
        "fees": {"amount_yuan": theme.fees.amount_yuan, "note": theme.fees.note},
        "channels": [{"code": c.code, "name": c.name} for c in theme.channels],
        "delivery_methods": list(theme.delivery_methods),
        "process": list(theme.process),
        "items": [
            {
                "code": it.code,
                "name": it.name,
                "department": it.department.value,
                "handling_agency": it.handling_agency,
                "system": it.system,
                "issues": [{"code": i.code, "name": i.name} for i in it.issues],
                **(
                    {"national": it.national.model_dump(mode="json")}  # 事项编码 / 实施编码
                    if it.national is not None
                    else {}
                ),
            }
            for it in theme.items
        ],
        "outcomes": outcomes,
    }
