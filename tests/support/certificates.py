"""The test certificate pair production mode needs (LIANBAN_CERTIFICATE_KEY/_CERT)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent / "certificate"
CERTIFICATE_ENV = {
    "LIANBAN_CERTIFICATE_KEY": str(HERE / "test-signing.key"),
    "LIANBAN_CERTIFICATE_CERT": str(HERE / "test-signing.pem"),
}
