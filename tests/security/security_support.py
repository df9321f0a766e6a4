"""What the security tests share: production keys of full length, the production app's type."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from support.certificates import CERTIFICATE_ENV

PRODUCTION_KEYS = {
    "LIANBAN_SECRET_KEY": "s3cret-" + "k" * 40,
    "LIANBAN_DATA_KEYS": "d1:ZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGRkZGQ=",  # 32 bytes: AES-256
    "LIANBAN_LOOKUP_KEY": "4c" * 32,
    **CERTIFICATE_ENV,  # 电子证照 signing pair (production needs it)
}

ProductionApp = Callable[..., TestClient]
