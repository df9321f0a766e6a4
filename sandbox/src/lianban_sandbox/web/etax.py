"""The sandbox's e-tax site (电子税务局, 沙箱): where Hubei's 社保费申报 ``redirect`` item sends the
applicant. It declares at once and sends her back with a result it signs; it refuses a link whose
return address the platform did not sign (so the hand-off cannot become an open redirect).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from lianban.connectors.redirect import ReturnRefused, sign_return, verify_return_address
from lianban.security.signing import Keyring
from lianban.web.problems import Problem

router = APIRouter(prefix="/api/v1/sandbox/etax", tags=["sandbox"])


def _tax_keys(request: Request) -> Keyring:
    """The tax department's own key ring: the site signs as the tax system, never with another's."""
    ring: Keyring = request.app.state.department_keys.for_department("tax")
    return ring


@router.get(
    "/declare", summary="The sandbox e-tax site: declares at once and sends the applicant back, signed"
)
def declare(request: Request, case_id: str, item_id: str, return_to: str) -> RedirectResponse:
    try:  # the site sends no one to an address the platform did not sign (no open redirect)
        verify_return_address(_tax_keys(request), dict(request.query_params))
    except ReturnRefused as exc:
        raise Problem(
            401,
            "返回地址无效",
            "Invalid return address",
            f"返回地址签名校验失败：{exc}",
            f"the return address failed its check: {exc}",
        ) from None
    params = sign_return(_tax_keys(request), case_id, item_id, "approved")
    return RedirectResponse(f"{return_to}?{urlencode(params)}", status_code=303)
