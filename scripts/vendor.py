"""Vendor the pages' static assets from the npm registry (``make vendor``).

Government networks are often closed, so the pages load nothing from a CDN: each package below is
fetched with ``npm pack`` (the registry's own tarball, checked against its integrity hash by npm),
and only the files the pages use are copied, with the package's licence files, into
``src/lianban/web/static/vendor/<name>/``. ``VERSIONS.json`` records what was copied: package,
version, licence, the tarball's integrity and each file's SHA-256 (a test checks the files against
it). To upgrade, change a version here, run ``make vendor``, read the package's changelog, commit.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "lianban" / "web" / "static" / "vendor"


@dataclass(frozen=True)
class Package:
    name: str  # on the npm registry
    version: str
    folder: str  # under static/vendor/
    files: tuple[str, ...]  # paths inside the tarball's package/ directory, licences included
    why: str


PACKAGES = (
    Package(
        "htmx.org",
        "4.0.1",
        "htmx",
        ("dist/htmx.min.js", "LICENSE"),
        "partial page updates (validation beside a field, a list that refreshes)",
    ),
    Package(
        "axe-core",
        "4.14.1",
        "axe-core",
        ("axe.min.js", "LICENSE", "LICENSE-3RD-PARTY.txt"),
        "accessibility checks in the browser tests (WCAG 2.1 AA); never loaded by a page",
    ),
    Package(
        "echarts",
        "6.1.0",
        "echarts",
        ("dist/echarts.min.js", "LICENSE", "NOTICE"),
        "charts of the supervisor dashboard, each beside a table of the same figures",
    ),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pack(package: Package, workdir: Path) -> tuple[Path, str]:
    """The package's tarball from the registry and its integrity (``sha512-…``)."""
    spec = f"{package.name}@{package.version}"
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    (info,) = json.loads(out.stdout)
    return workdir / info["filename"], str(info["integrity"])


def vendor(package: Package, workdir: Path) -> dict[str, object]:
    tarball, integrity = pack(package, workdir)
    target = VENDOR / package.folder
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(workdir / package.folder, filter="data")
    unpacked = workdir / package.folder / "package"
    manifest = json.loads((unpacked / "package.json").read_text(encoding="utf-8"))
    files: dict[str, str] = {}
    for inner in package.files:
        copied = target / Path(inner).name
        shutil.copyfile(unpacked / inner, copied)
        files[copied.name] = sha256(copied)
    return {
        "package": package.name,
        "version": package.version,
        "license": manifest.get("license"),
        "integrity": integrity,
        "why": package.why,
        "files": files,
    }


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        record = {p.folder: vendor(p, Path(tmp)) for p in PACKAGES}
    (VENDOR / "VERSIONS.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for folder, entry in record.items():
        print(f"{folder:<10} {entry['package']}@{entry['version']} ({entry['license']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
