"""Notebooks as regression tests: re-run each code cell on a fresh kernel and compare its outputs with the
stored ones. Shared by ``folio test`` and the pytest plugin (``pytest --folio-notebooks``)."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from folio.execution.pool import KernelHandle, start_ready_kernel, stop_kernel
from folio.execution.runner import default_kernel
from folio.notebook import compare as C
from folio.notebook.nbio import read_notebook

Outcome = Literal["passed", "failed", "skipped"]


@dataclass
class CellResult:
    index: int  # 0-based position in the notebook
    cell_id: str | None
    outcome: Outcome
    reason: str = ""
    diff: list[str] = field(default_factory=list)
    source: str = ""

    def report(self, path: str) -> str:
        head = f"{path}: cell {self.index + 1}" + (f" (id {self.cell_id})" if self.cell_id else "")
        lines = [f"{head}: {self.reason}"]
        src = self.source.strip().splitlines()
        if src:
            lines.append("  source: " + src[0] + (" ..." if len(src) > 1 else ""))
        lines += ["  " + ln for ln in self.diff]
        return "\n".join(lines)


@dataclass
class CheckOptions:
    kernel_name: str | None = None
    cell_timeout: float | None = 120.0
    lax: bool = False  # compare only cells marked to be checked (nbval's --nbval-lax); errors still fail
    compare: C.CompareOptions = field(default_factory=C.CompareOptions)
    startup_timeout: float = 60.0


class NotebookTester:
    """One notebook, one kernel; ``check(index)`` runs that cell and compares, in notebook order."""

    def __init__(self, path: str | Path, options: CheckOptions | None = None) -> None:
        self.path = Path(path)
        self.options = options or CheckOptions()
        self.nb = read_notebook(self.path)
        self._loop = asyncio.new_event_loop()
        self._handle: KernelHandle | None = None
        self._client: NotebookClient | None = None
        self._dead: str | None = None

    @property
    def code_cells(self) -> list[int]:
        return [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]

    def start(self) -> None:
        name = self.options.kernel_name or (self.nb.metadata.get("kernelspec") or {}).get("name") or default_kernel()
        self._handle = self._loop.run_until_complete(
            start_ready_kernel(name, self.path.resolve().parent, None, self.options.startup_timeout))
        scratch = nbformat.v4.new_notebook()
        self._client = NotebookClient(scratch, km=self._handle.km, kernel_name=name, allow_errors=True,
                                      timeout=self.options.cell_timeout, interrupt_on_timeout=True)
        self._client.kc = self._handle.kc
        self._client.reset_execution_trackers()

    def stop(self) -> None:
        if self._handle is not None:
            self._loop.run_until_complete(stop_kernel(self._handle))
            self._handle = None
        self._loop.close()

    def __enter__(self) -> NotebookTester:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def check(self, index: int) -> CellResult:
        cell = self.nb.cells[index]
        res = CellResult(index, cell.get("id"), "passed", source=C._src(cell))
        if C.has_marker(cell, C.SKIP):
            res.outcome, res.reason = "skipped", "marked to skip"
            return res
        if not cell.source.strip():
            res.outcome, res.reason = "skipped", "empty cell"
            return res
        if self._dead:
            res.outcome, res.reason = "failed", f"not run: {self._dead}"
            return res
        assert self._client is not None
        fresh = copy.deepcopy(cell)
        replies: dict[str, Any] = {}
        self._client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.update(r=execute_reply)
        self._client.nb.cells = [fresh]
        try:
            self._loop.run_until_complete(self._client.async_execute_cell(fresh, 0))
        except CellTimeoutError:
            res.outcome, res.reason = "failed", f"timed out after {self.options.cell_timeout:g}s"
            return res
        except DeadKernelError as e:
            self._dead = f"the kernel died at cell {index + 1} ({e})"
            res.outcome, res.reason = "failed", self._dead
            return res
        reply = ((replies.get("r") or {}).get("content")) or {}
        raises = C.has_marker(cell, C.RAISES)
        if reply.get("status") == "error" and not raises:
            res.outcome = "failed"
            res.reason = f"raised {reply.get('ename')}: {reply.get('evalue')}"
            res.diff = [C._ANSI.sub("", ln) for ln in "\n".join(reply.get("traceback", [])).splitlines()]
            return res
        if raises and reply.get("status") != "error":
            res.outcome, res.reason = "failed", "was expected to raise an exception and did not"
            return res
        if C.has_marker(cell, C.IGNORE_OUTPUT) or (self.options.lax and not C.has_marker(cell, C.CHECK_OUTPUT)):
            res.reason = "ran (output not compared)"
            return res
        diff = C.compare_outputs(cell.get("outputs", []), fresh.get("outputs", []), self.options.compare,
                                 loose=C.has_marker(cell, C.LOOSE))
        if diff:
            res.outcome, res.reason, res.diff = "failed", "outputs differ from the stored ones", diff
        return res

    def run_all(self) -> list[CellResult]:
        return [self.check(i) for i in self.code_cells]


def check_notebook(path: str | Path, options: CheckOptions | None = None) -> list[CellResult]:
    """Re-run every code cell of ``path`` and compare; one result per code cell."""
    with NotebookTester(path, options) as t:
        return t.run_all()
