"""pytest plugin: ``pytest --folio-notebooks`` collects ``*.ipynb`` files, one item per code cell, each re-run
on a kernel (one per notebook) and compared with its stored outputs. Inert without the flag: it is loaded by
every pytest run in an environment where folio is installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("folio", "folio notebook tests")
    g.addoption("--folio-notebooks", action="store_true", default=False,
                help="Collect *.ipynb files and check each code cell's outputs against the stored ones.")
    g.addoption("--folio-lax", action="store_true", default=False,
                help="Compare only cells marked folio-check-output / NBVAL_CHECK_OUTPUT.")
    g.addoption("--folio-kernel", default=None, help="Kernelspec for the notebooks (default: each notebook's).")
    g.addoption("--folio-cell-timeout", type=float, default=120.0, help="Seconds one cell may run.")
    g.addoption("--folio-sanitize-with", action="append", default=[], help="Extra sanitizer regex file(s).")
    g.addoption("--folio-check-stderr", action="store_true", default=False, help="Compare stderr too.")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not parent.config.getoption("folio_notebooks", default=False):
        return None
    if file_path.suffix == ".ipynb" and ".ipynb_checkpoints" not in file_path.parts:
        return NotebookFile.from_parent(parent, path=file_path)
    return None


class CellMismatch(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class NotebookFile(pytest.File):
    tester: Any = None

    def collect(self):  # type: ignore[no-untyped-def]
        from folio.notebook.nbio import read_notebook

        nb = read_notebook(self.path)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                yield CellItem.from_parent(self, name=f"cell {i + 1}", index=i)

    def setup(self) -> None:
        from folio.execution.nbtest import CheckOptions, NotebookTester
        from folio.notebook import compare as C

        cfg = self.config
        sanitizers = list(C.DEFAULT_SANITIZERS) + C.project_sanitizers(Path(str(cfg.rootpath)))
        for f in cfg.getoption("folio_sanitize_with"):
            sanitizers += C.load_sanitizers(f)
        opts = CheckOptions(kernel_name=cfg.getoption("folio_kernel"),
                            cell_timeout=cfg.getoption("folio_cell_timeout"), lax=cfg.getoption("folio_lax"),
                            compare=C.CompareOptions(sanitizers, cfg.getoption("folio_check_stderr")))
        self.tester = NotebookTester(self.path, opts)
        self.tester.start()

    def teardown(self) -> None:
        if self.tester is not None:
            self.tester.stop()
            self.tester = None


class CellItem(pytest.Item):
    def __init__(self, *, index: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.index = index

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, NotebookFile) and parent.tester is not None
        res = parent.tester.check(self.index)
        if res.outcome == "skipped":
            pytest.skip(res.reason)
        if res.outcome == "failed":
            raise CellMismatch(res.report(str(self.path)))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CellMismatch):
            return excinfo.value.text
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.index, f"{self.path.name}::{self.name}"
