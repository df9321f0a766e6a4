"""The production wheel (``uv build --wheel``) holds the product only: no sandbox, no bench, no
sandbox data, and it declares no extension."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_production_wheel_holds_no_sandbox_or_bench(tmp_path: Path) -> None:
    uv = shutil.which("uv") or str(Path(ROOT / ".venv" / "bin" / "uv"))
    if not Path(uv).exists():
        pytest.fail("uv is needed to build the wheel (make install puts it in .venv)")
    done = subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = tmp_path.glob("lianban-*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    assert any(n == "lianban/web/app.py" for n in names)  # it is the product
    assert any(n.startswith("lianban/catalog/data/themes/") for n in names)  # with its data
    packages = {n.split("/", 1)[0] for n in names}
    assert packages == {"lianban", wheel.name.removesuffix("-py3-none-any.whl") + ".dist-info"}
    for name in names:
        assert "lianban_sandbox" not in name and "lianban_bench" not in name, name
        assert not name.startswith(("lianban/bench", "lianban/sharing/sandbox")), name
        assert "simulator" not in name, name
        assert Path(name).name not in ("personas.yaml", "staff.yaml", "sandbox_staff.yaml"), name
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    declared = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "lianban.extensions" not in declared and "lianban_sandbox" not in declared
