"""Strip outputs, execution counts and volatile metadata from a notebook (nbstripout's job), idempotently.

``strip_notebook`` returns the stripped copy and a list of what changed, so ``--check`` can say what it would do.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# nbstripout's defaults, plus the run records papermill and folio write.
DEFAULT_EXTRA_KEYS: tuple[str, ...] = (
    "metadata.signature",
    "metadata.widgets",
    "metadata.papermill",
    "metadata.folio.run",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
    "cell.metadata.papermill",
    "cell.metadata.folio",
)
KEEP_OUTPUT_TAG = "keep-output"


@dataclass
class StripOptions:
    keep_output_tags: tuple[str, ...] = (KEEP_OUTPUT_TAG,)
    keep_count: bool = False
    keep_metadata_keys: tuple[str, ...] = ()
    extra_keys: tuple[str, ...] = ()
    drop_empty_cells: bool = False


@dataclass
class StripResult:
    notebook: dict[str, Any]
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _pop_path(d: dict[str, Any], dotted: str) -> bool:
    parts = dotted.split(".")
    for p in parts[:-1]:
        d = d.get(p)  # type: ignore[assignment]
        if not isinstance(d, dict):
            return False
    if parts[-1] in d:
        del d[parts[-1]]
        return True
    return False


def _split_keys(keys: Iterable[str]) -> tuple[list[str], list[str]]:
    nb_keys, cell_keys = [], []
    for k in keys:
        for one in k.split():
            if one.startswith("cell."):
                cell_keys.append(one[len("cell."):])
            elif one.startswith("metadata."):
                nb_keys.append(one)
            else:
                raise ValueError(f"extra key {one!r} must start with 'metadata.' or 'cell.metadata.'")
    return nb_keys, cell_keys


def strip_notebook(nb: dict[str, Any], options: StripOptions | None = None) -> StripResult:
    """A stripped copy of ``nb`` (a NotebookNode or the plain parsed JSON) and the changes made (empty when it
    was already clean)."""
    opts = options or StripOptions()
    nb = copy.deepcopy(nb)
    nb.setdefault("metadata", {})
    changes: list[str] = []
    keys = [k for k in (*DEFAULT_EXTRA_KEYS, *opts.extra_keys) if k not in opts.keep_metadata_keys]
    nb_keys, cell_keys = _split_keys(keys)
    for k in nb_keys:
        if _pop_path(nb, k):
            changes.append(k)
    folio_md = nb["metadata"].get("folio")
    if isinstance(folio_md, dict) and not folio_md:
        del nb["metadata"]["folio"]
    kept_cells = []
    for i, cell in enumerate(nb.get("cells", []), start=1):
        where = f"cell {i}"
        if opts.drop_empty_cells and not "".join(cell.get("source", "")).strip():
            changes.append(f"{where}: empty cell dropped")
            continue
        md = cell.setdefault("metadata", {})
        tags = md.get("tags", [])
        keep = md.get("keep_output") is True or any(t in tags for t in opts.keep_output_tags)
        if cell.get("cell_type") == "code":
            if cell.get("outputs") and not keep:
                changes.append(f"{where}: {len(cell['outputs'])} output(s)")
                cell["outputs"] = []
            if cell.get("execution_count") is not None and not opts.keep_count and not keep:
                changes.append(f"{where}: execution_count {cell['execution_count']}")
                cell["execution_count"] = None
        if cell.get("attachments") == {}:
            del cell["attachments"]
        for k in cell_keys:
            if _pop_path(cell, k):
                changes.append(f"{where}: {k}")
        kept_cells.append(cell)
    nb["cells"] = kept_cells
    return StripResult(nb, changes)
