"""No big modules (issue 15): every Python module of the product, the sandbox and the bench is at
most 500 lines, so one reads in a sitting and a room grows by new modules, not longer ones."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 500
CODE = (ROOT / "src" / "lianban", ROOT / "sandbox" / "src", ROOT / "bench" / "src")


def test_no_module_is_over_500_lines() -> None:
    modules = [path for folder in CODE for path in folder.rglob("*.py")]
    assert len(modules) > 300  # the whole code, not an empty folder
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    too_big = {name: lines for name, lines in sizes.items() if lines > LIMIT}
    assert not too_big, f"split these modules (over {LIMIT} lines): {too_big}"
