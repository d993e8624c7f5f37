"""Headless runs: execute notebooks on kernels from the kernels layer, with papermill-compatible parameters.

Names load lazily: the pytest plugin lives in this package and is imported by every pytest run, which should
not pay for nbclient and jupyter_client unless notebooks are actually collected.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CellRecord", "NotebookRunFailed", "RunRecord", "RunResult", "arun_notebook", "run_notebook"]

_WHERE = {
    "CellRecord": "folio.execution.record",
    "RunRecord": "folio.execution.record",
    "NotebookRunFailed": "folio.execution.runner",
    "RunResult": "folio.execution.runner",
    "arun_notebook": "folio.execution.runner",
    "run_notebook": "folio.execution.runner",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'folio.execution' has no attribute {name!r}")
