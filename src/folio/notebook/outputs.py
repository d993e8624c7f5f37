"""Building a cell's outputs from iopub messages, as a Jupyter frontend does, and cutting oversized ones.

Pure functions on nbformat output dicts, shared by the server-side recorder and anything else that
turns a message stream into notebook outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}


@dataclass
class CellOutputs:
    """The outputs of one cell while it runs."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    execution_count: int | None = None
    clear_pending: bool = False

    def apply(self, msg_type: str, content: dict[str, Any]) -> bool:
        """Apply one iopub message; True when the outputs changed."""
        if msg_type == "execute_input":
            self.execution_count = content.get("execution_count")
            return True
        if msg_type == "clear_output":
            if content.get("wait"):
                self.clear_pending = True
                return False
            self.outputs.clear()
            return True
        if msg_type == "update_display_data":
            did = (content.get("transient") or {}).get("display_id")
            changed = False
            for out in self.outputs:
                if did and out.get("_display_id") == did:
                    out["data"] = content.get("data", {})
                    out["metadata"] = content.get("metadata", {})
                    changed = True
            return changed
        if msg_type not in OUTPUT_TYPES:
            return False
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False
        if msg_type == "stream":
            name, text = content.get("name", "stdout"), content.get("text", "")
            last = self.outputs[-1] if self.outputs else None
            if last is not None and last["output_type"] == "stream" and last["name"] == name:
                last["text"] += text
            else:
                self.outputs.append({"output_type": "stream", "name": name, "text": text})
            return True
        out: dict[str, Any] = {"output_type": msg_type}
        if msg_type == "error":
            out.update(ename=content.get("ename", ""), evalue=content.get("evalue", ""),
                       traceback=content.get("traceback", []))
        else:
            out.update(data=content.get("data", {}), metadata=content.get("metadata", {}))
            if msg_type == "execute_result":
                out["execution_count"] = content.get("execution_count")
                self.execution_count = content.get("execution_count", self.execution_count)
            did = (content.get("transient") or {}).get("display_id")
            if did:
                out["_display_id"] = did
        self.outputs.append(out)
        return True

    def for_notebook(self) -> list[dict[str, Any]]:
        """The outputs as nbformat wants them (no private keys)."""
        return [{k: v for k, v in o.items() if not k.startswith("_")} for o in self.outputs]


def _size(v: Any) -> int:
    if isinstance(v, str):
        return len(v)
    if isinstance(v, list):
        return sum(_size(x) for x in v)
    if isinstance(v, dict):
        return sum(len(k) + _size(x) for k, x in v.items())
    return 8


def output_size(out: dict[str, Any]) -> int:
    """About the bytes an output takes in the file (characters of its strings): cheap on 50 MB notebooks."""
    return _size(out)


def _text(v: Any) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


def limit_notice(size: int, limit: int, saved_as: str | None) -> str:
    text = f"[folio: this output was {size:,} bytes, over the output limit of {limit:,} bytes, and was cut"
    return text + (f"; the full output is in {saved_as}]" if saved_as else ".]")


def cut_outputs(
    outputs: list[dict[str, Any]],
    per_output: int,
    per_cell: int,
    keep_full: Callable[[int, dict[str, Any]], str | None] | None = None,
) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
    """Outputs within the limits (0 = no limit), and the (index, original) of each output that was cut.

    ``keep_full(index, output)`` may store the whole output elsewhere and return where, for the notice.
    """
    kept: list[dict[str, Any]] = []
    cut: list[tuple[int, dict[str, Any]]] = []
    total = 0
    for i, out in enumerate(outputs):
        size = output_size(out)
        over_output = per_output and size > per_output
        over_cell = per_cell and total + min(size, per_output or size) > per_cell
        if not (over_output or over_cell):
            kept.append(out)
            total += size
            continue
        cut.append((i, out))
        saved_as = keep_full(i, out) if keep_full else None
        limit = per_output if over_output else per_cell
        if out.get("output_type") == "stream" and not over_cell:
            head = _text(out.get("text", ""))[: max(0, per_output - 400)]
            kept.append({**out, "text": head + "\n" + limit_notice(size, limit, saved_as)})
        else:
            kept.append({"output_type": "stream", "name": "stderr", "text": limit_notice(size, limit, saved_as)})
        total += output_size(kept[-1])
    return kept, cut
