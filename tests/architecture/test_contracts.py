"""The architecture contracts are checked by `make test` (import-linter's `lint-imports`) and the
no-circles contract holds without exceptions: no `ignore_imports` line excuses a circle."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def recipe(target: str) -> str:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M)
    assert found, f"no {target} target in the Makefile"
    return found.group(1)


def test_make_test_checks_the_import_contracts() -> None:
    for target in ("test", "test-fast"):
        assert "lint-imports" in recipe(target), target


def test_no_circle_is_excused() -> None:
    contracts = configparser.ConfigParser()
    contracts.read(ROOT / ".importlinter", encoding="utf-8")
    circles = contracts["importlinter:contract:no-circles"]
    assert circles["type"] == "acyclic_siblings" and circles["ancestors"].split() == ["lianban"]
    assert "ignore_imports" not in circles
    # the foundations import nothing above them; the rules room sits below the catalogue
    layers = contracts["importlinter:contract:layers"]["layers"].split("\n")
    rows = [row.strip() for row in layers if row.strip()]
    assert rows.index("lianban.catalog") < rows.index("lianban.rules")
