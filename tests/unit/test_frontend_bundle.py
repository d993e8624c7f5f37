"""The browser UI ships built inside the package, and the shipped bundle is the one frontend/ builds."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "folio" / "_static"


def test_the_bundle_is_in_the_package() -> None:
    index = (STATIC / "index.html").read_text("utf-8")
    assert "<!--folio-page-config-->" in index, "ui.py injects the page config at this marker"
    refs = re.findall(r'(?:src|href)="\./(assets/[^"]+)"', index)
    assert any(r.endswith(".js") for r in refs) and any(r.endswith(".css") for r in refs)
    for ref in refs:
        assert (STATIC / ref).is_file(), f"index.html points at a missing {ref}"


def _tree(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_shipped_bundle_is_what_the_source_builds(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is needed in CI to check that src/folio/_static matches frontend/")
        pytest.skip("npm is not installed")
    out = tmp_path / "static"
    subprocess.run(["bash", str(ROOT / "scripts" / "build-frontend"), str(out)], check=True, timeout=540)
    built, shipped = _tree(out), _tree(STATIC)
    assert built == shipped, (
        f"src/folio/_static is stale: run scripts/build-frontend and commit. "
        f"Only built: {sorted(built - shipped)[:5]}; only shipped: {sorted(shipped - built)[:5]}"
    )
    _, mismatch, errors = filecmp.cmpfiles(out, STATIC, sorted(built), shallow=False)
    assert not mismatch and not errors, f"src/folio/_static differs from a fresh build: {mismatch[:5]}"
