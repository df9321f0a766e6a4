"""The pages load nothing from elsewhere: the vendored files are the ones VERSIONS.json records
(``make vendor``), each with its licence, and no template points a script or style at another host."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "lianban" / "web"
VENDOR = WEB / "static" / "vendor"


def test_every_vendored_file_is_the_recorded_one_with_its_licence() -> None:
    record = json.loads((VENDOR / "VERSIONS.json").read_text(encoding="utf-8"))
    assert {"htmx", "axe-core", "echarts"} <= set(record)
    for folder, entry in record.items():
        files = {p.name for p in (VENDOR / folder).iterdir()}
        assert files == set(entry["files"]), folder
        assert any(name.startswith("LICENSE") for name in files), f"{folder} has no licence file"
        assert entry["license"] and entry["integrity"].startswith("sha512-")
        for name, digest in entry["files"].items():
            assert hashlib.sha256((VENDOR / folder / name).read_bytes()).hexdigest() == digest, name
    assert record["htmx"]["version"].startswith("4.")  # the 422 handling in base.html assumes htmx 4


def test_no_template_loads_a_script_or_style_from_another_host() -> None:
    outside = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)=["']?(https?:)?//""", re.I)
    for template in (WEB / "templates").rglob("*.html"):
        found = outside.search(template.read_text(encoding="utf-8"))
        assert found is None, f"{template.name} loads {found.group(0) if found else ''}"
