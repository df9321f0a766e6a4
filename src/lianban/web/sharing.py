"""Data sharing for a request: the platform's hub handed to :mod:`lianban.forms.sharing`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request

from lianban.catalog.model import Theme
from lianban.forms import sharing
from lianban.security.tokens import Identity
from lianban.sharing.providers import SharingHub


def hub(request: Request) -> SharingHub | None:
    value: SharingHub | None = request.app.state.sharing
    return value


def prefill_for(
    request: Request, identity: Identity | None, form: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return sharing.prefill_for(hub(request), identity, form)


def facts_for(
    request: Request, theme: Theme, identity: Identity | None, form: Mapping[str, Any]
) -> dict[str, Any]:
    return sharing.facts_for(hub(request), theme, identity, form)


def employee_sharing(
    request: Request, theme: Theme, rows: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return sharing.employee_sharing(hub(request), theme, rows)
