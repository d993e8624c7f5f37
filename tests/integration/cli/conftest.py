"""Helpers for the toolchain's CLI tests: run ``python -m folio`` as a subprocess, build notebooks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest


def folio(*args: str, cwd: Path, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the folio CLI and return the completed process (it always ends before this returns)."""
    return subprocess.run([sys.executable, "-m", "folio", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, input=input, env={**os.environ, "NO_COLOR": "1"})


def build_notebook(*sources: str, params: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if params is not None:
        p = nbformat.v4.new_code_cell(params)
        p.metadata.tags = ["parameters"]
        nb.cells.append(p)
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


@pytest.fixture
def write_nb(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, *sources: str, params: str | None = None) -> Path:
        path = tmp_path / name
        nbformat.write(build_notebook(*sources, params=params), path)
        return path

    return write
