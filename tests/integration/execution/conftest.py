"""Notebook builders for the execution tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest


def build_notebook(*sources: str, params: str | None = None) -> nbformat.NotebookNode:
    """Code cells from sources; ``params`` becomes a first cell tagged 'parameters'."""
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
