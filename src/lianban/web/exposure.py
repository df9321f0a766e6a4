"""What production shows (对外暴露): Prometheus metrics only to a bearer token or allowed addresses.

In sandbox mode ``/metrics`` is open. In production it answers 404 unless the deployment opens it
with ``LIANBAN_METRICS_TOKEN`` (a scraper sends ``Authorization: Bearer <token>``) or
``LIANBAN_METRICS_ALLOW`` (addresses or networks, e.g. ``10.0.0.0/8,192.0.2.7``); either one
lets a scraper in. The interactive API docs (``/api/v1/docs``) are likewise closed in production
unless ``LIANBAN_API_DOCS=on`` (:func:`lianban.web.app.create_app`); the OpenAPI document itself
is the published contract (API.md) and always served.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from lianban.web.problems import Problem


def metrics_access(request: Request) -> None:
    """Dependency of ``/metrics``: 404 when closed, 401 without the token, 403 from elsewhere."""
    settings = request.app.state.settings
    if settings.sandbox:
        return
    policy = settings.security
    if not policy.metrics_token and not policy.metrics_allow:
        raise Problem(404, "未找到", "Not found")
    if policy.metrics_token:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), policy.metrics_token.encode()
        ):
            return
    if policy.metrics_allow:
        try:
            address = ipaddress.ip_address(request.client.host if request.client else "")
        except ValueError:
            address = None
        if address is not None and any(address in network for network in policy.metrics_allow):
            return
        if not policy.metrics_token:
            raise Problem(
                403,
                "无权访问",
                "Forbidden",
                "该地址不能读取监控指标",
                "this address may not read the metrics",
            )
    raise Problem(
        401, "未登录或凭证无效", "Not authenticated", "需要监控令牌", "the metrics token is required"
    )
