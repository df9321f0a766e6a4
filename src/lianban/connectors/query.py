"""The ``query`` connector: an item that is a status lookup (Hubei 档案的整理和保管: "申请人实名登录后，
点击在线办理，即可查询为状态结果"). The archive service answers where the personnel archive is kept,
and that answer is the item's result — nothing is filed with the department."""

from __future__ import annotations

from typing import Any

from lianban.connectors.plugins import Answered, Outcome, Sending, connector_for, register
from lianban.sharing.providers import ArchiveService

CUSTODY_ZH = {"unit": "单位存档", "personal": "个人存档", "none": "无档案存放记录"}


def archive_status(archives: ArchiveService, id_number: str) -> dict[str, Any]:
    """The lookup's result, worded as the applicant reads it."""
    record = archives.archive(id_number)
    if record is None or record.custody_type == "none":
        return {
            "found": False,
            "message": "未查到档案存放信息，请选择委托存档机构层级或电话联系有关单位查询。",
        }
    return {
        "found": True,
        "custody_type": record.custody_type,
        "custody": CUSTODY_ZH.get(record.custody_type, record.custody_type),
        "agency": record.agency,
        "agency_is_public_service": record.agency_is_public_service,
        "message": f"档案存放于{record.agency or '（未载明机构）'}（{CUSTODY_ZH.get(record.custody_type, record.custody_type)}）。",
    }


@register("query")
class QueryConnector:
    """Answered at once by the archive service; without one, sent as a ``rest`` item."""

    def send(self, sending: Sending) -> Outcome:
        if sending.archives is None:
            return connector_for("rest").send(sending)
        return Answered(archive_status(sending.archives, sending.id_number))
