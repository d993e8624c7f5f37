"""Cell-aware notebook diff: cells matched by id, then by content; sources, outputs and metadata compared.

Also a plain-text rendering of a notebook (``notebook_as_text``) for git's ``textconv``, so ``git diff`` on
``*.ipynb`` reads like a diff of code, with outputs summarized and images reduced to a size and hash.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from folio.notebook.strip import DEFAULT_EXTRA_KEYS

_VOLATILE_NB = {k[len("metadata."):] for k in DEFAULT_EXTRA_KEYS if k.startswith("metadata.")}
_VOLATILE_CELL = {k[len("cell.metadata."):] for k in DEFAULT_EXTRA_KEYS if k.startswith("cell.metadata.")}
SIMILARITY = 0.5  # two cells with no common id are "the same cell, edited" above this source similarity


def _src(cell: dict[str, Any]) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _text(v: Any) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


def output_lines(output: dict[str, Any]) -> list[str]:
    """A readable rendering of one output; binary data as MIME type, size and a short hash."""
    ot = output.get("output_type")
    if ot == "stream":
        return [f"[{output.get('name', 'stream')}]"] + _text(output.get("text", "")).splitlines()
    if ot == "error":
        return [f"[error] {output.get('ename', '')}: {output.get('evalue', '')}"]
    data = output.get("data") or {}
    lines: list[str] = []
    if "text/plain" in data:
        lines += [f"[{ot}]"] + _text(data["text/plain"]).splitlines()
    for mime, value in data.items():
        if mime == "text/plain":
            continue
        raw = _text(value) if isinstance(value, str | list) else json.dumps(value, sort_keys=True)
        if mime.startswith("image/") or mime in ("application/pdf",) or "text/plain" in data:
            digest = hashlib.sha1(raw.encode()).hexdigest()[:10]  # noqa: S324 - a content fingerprint
            lines.append(f"<{mime}: {len(raw)} bytes, sha1 {digest}>")
        else:
            lines += [f"[{ot} {mime}]"] + raw.splitlines()
    return lines


def _outputs_lines(cell: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for o in cell.get("outputs", []) or []:
        out += output_lines(o)
    return out


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(d, dict) and d:
        flat: dict[str, Any] = {}
        for k, v in d.items():
            flat.update(_flatten(v, f"{prefix}{k}."))
        return flat
    return {prefix[:-1]: d} if prefix else {}


def metadata_changes(a: dict[str, Any], b: dict[str, Any], ignore: set[str]) -> list[dict[str, Any]]:
    fa = {k: v for k, v in _flatten(a).items() if k.split(".")[0] not in ignore and k not in ignore}
    fb = {k: v for k, v in _flatten(b).items() if k.split(".")[0] not in ignore and k not in ignore}
    changes = []
    for k in sorted(set(fa) | set(fb)):
        if fa.get(k, _MISSING) != fb.get(k, _MISSING):
            changes.append({"key": k, "a": fa.get(k), "b": fb.get(k),
                            "op": "added" if k not in fa else "removed" if k not in fb else "changed"})
    return changes


_MISSING = object()


@dataclass
class CellDiff:
    op: str  # added | removed | modified | unchanged
    a_index: int | None
    b_index: int | None
    cell_id: str | None
    cell_type: str
    source: list[str] = field(default_factory=list)  # unified diff lines (or the whole source, +/-)
    outputs: list[str] = field(default_factory=list)
    metadata: list[dict[str, Any]] = field(default_factory=list)
    execution_count: tuple[Any, Any] | None = None


@dataclass
class NotebookDiff:
    metadata: list[dict[str, Any]]
    cells: list[CellDiff]

    @property
    def changed(self) -> bool:
        return bool(self.metadata) or any(c.op != "unchanged" for c in self.cells)

    def to_dict(self) -> dict[str, Any]:
        return {"metadata": self.metadata, "cells": [asdict(c) for c in self.cells]}


def match_cells(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[int, int]:
    """Map index in ``a`` to index in ``b``: same id first, then identical source, then similar source."""
    pairs: dict[int, int] = {}
    b_ids = {c.get("id"): j for j, c in enumerate(b) if c.get("id")}
    for i, c in enumerate(a):
        j = b_ids.get(c.get("id")) if c.get("id") else None
        if j is not None and c.get("cell_type") == b[j].get("cell_type"):
            pairs[i] = j
    free_a = [i for i in range(len(a)) if i not in pairs]
    taken = set(pairs.values())
    free_b = [j for j in range(len(b)) if j not in taken]
    # identical content, in order (SequenceMatcher keeps the matches monotone)
    sm = difflib.SequenceMatcher(a=[(a[i].get("cell_type"), _src(a[i])) for i in free_a],
                                 b=[(b[j].get("cell_type"), _src(b[j])) for j in free_b], autojunk=False)
    for blk in sm.get_matching_blocks():
        for k in range(blk.size):
            pairs[free_a[blk.a + k]] = free_b[blk.b + k]
    free_a = [i for i in free_a if i not in pairs]
    taken = set(pairs.values())
    free_b = [j for j in free_b if j not in taken]
    scored = []
    for i in free_a:
        for j in free_b:
            if a[i].get("cell_type") == b[j].get("cell_type"):
                r = difflib.SequenceMatcher(a=_src(a[i]), b=_src(b[j]), autojunk=False).ratio()
                if r >= SIMILARITY:
                    scored.append((-r, abs(i - j), i, j))
    used_a: set[int] = set()
    used_b: set[int] = set()
    for _, _, i, j in sorted(scored):
        if i not in used_a and j not in used_b:
            pairs[i] = j
            used_a.add(i)
            used_b.add(j)
    return pairs


def _unified(a: list[str], b: list[str]) -> list[str]:
    return [ln for ln in difflib.unified_diff(a, b, lineterm="", n=2)][2:]


def diff_notebooks(a: dict[str, Any], b: dict[str, Any], *, sources_only: bool = False,
                   include_volatile: bool = False) -> NotebookDiff:
    ca, cb = a.get("cells", []), b.get("cells", [])
    pairs = match_cells(ca, cb)
    inv = {j: i for i, j in pairs.items()}
    nb_ignore = set() if include_volatile else set(_VOLATILE_NB)
    cell_ignore = set() if include_volatile else set(_VOLATILE_CELL)
    md = [] if sources_only else metadata_changes(a.get("metadata", {}), b.get("metadata", {}), nb_ignore)

    cells: list[CellDiff] = []
    removed_after: dict[int, list[int]] = {}  # removed a-cells, shown after the b-cell matched to a-cell before
    last_b = -1
    for i in range(len(ca)):
        if i in pairs:
            last_b = pairs[i]
        else:
            removed_after.setdefault(last_b, []).append(i)

    def emit_removed(after_b: int) -> None:
        for i in removed_after.get(after_b, []):
            c = ca[i]
            cells.append(CellDiff("removed", i, None, c.get("id"), c.get("cell_type", "code"),
                                  ["-" + ln for ln in _src(c).splitlines()],
                                  [] if sources_only else ["-" + ln for ln in _outputs_lines(c)]))

    emit_removed(-1)
    for j, c in enumerate(cb):
        if j not in inv:
            cells.append(CellDiff("added", None, j, c.get("id"), c.get("cell_type", "code"),
                                  ["+" + ln for ln in _src(c).splitlines()],
                                  [] if sources_only else ["+" + ln for ln in _outputs_lines(c)]))
        else:
            i = inv[j]
            old = ca[i]
            src = _unified(_src(old).splitlines(), _src(c).splitlines())
            outs: list[str] = []
            meta: list[dict[str, Any]] = []
            count = None
            if not sources_only:
                outs = _unified(_outputs_lines(old), _outputs_lines(c))
                meta = metadata_changes(old.get("metadata", {}), c.get("metadata", {}), cell_ignore)
                if old.get("execution_count") != c.get("execution_count"):
                    count = (old.get("execution_count"), c.get("execution_count"))
            op = "modified" if (src or outs or meta) else "unchanged"
            cells.append(CellDiff(op, i, j, c.get("id"), c.get("cell_type", "code"), src, outs, meta, count))
        emit_removed(j)
    return NotebookDiff(md, cells)


def format_diff(d: NotebookDiff, name_a: str, name_b: str, *, color: bool = False, context: bool = False) -> str:
    """Human-readable diff; only changed cells unless ``context``."""

    def paint(line: str, kind: str) -> str:
        if not color:
            return line
        codes = {"+": "32", "-": "31", "@": "36", "#": "1;33", "~": "35"}
        code = codes.get(kind)
        return f"\x1b[{code}m{line}\x1b[0m" if code else line

    out = [paint(f"--- {name_a}", "-"), paint(f"+++ {name_b}", "+")]
    if d.metadata:
        out.append(paint("## notebook metadata", "#"))
        out += [paint(_meta_line(m), "~") for m in d.metadata]
    for c in d.cells:
        if c.op == "unchanged" and not context:
            continue
        where = f"cell {c.b_index + 1}" if c.b_index is not None else f"cell {c.a_index + 1} (in {name_a})"
        ident = f" id={c.cell_id}" if c.cell_id else ""
        moved = (f" (was cell {c.a_index + 1})" if c.op != "removed" and c.a_index is not None
                 and c.a_index != c.b_index else "")
        out.append(paint(f"## {where} [{c.cell_type}]{ident} {c.op}{moved}", "#"))
        for label, lines in (("source", c.source), ("outputs", c.outputs)):
            if not lines:
                continue
            out.append(f"  {label}:")
            out += ["    " + paint(ln, ln[:1]) for ln in lines]
        if c.execution_count:
            out.append(f"  execution_count: {c.execution_count[0]} -> {c.execution_count[1]}")
        if c.metadata:
            out.append("  metadata:")
            out += ["    " + paint(_meta_line(m), "~") for m in c.metadata]
    return "\n".join(out) + "\n"


def _meta_line(m: dict[str, Any]) -> str:
    if m["op"] == "added":
        return f"+ {m['key']}: {json.dumps(m['b'])}"
    if m["op"] == "removed":
        return f"- {m['key']}: {json.dumps(m['a'])}"
    return f"~ {m['key']}: {json.dumps(m['a'])} -> {json.dumps(m['b'])}"


def notebook_as_text(nb: dict[str, Any], *, outputs: bool = True) -> str:
    """A notebook as text for git's textconv: a header per cell, its source, then its outputs summarized."""
    out: list[str] = []
    ks = (nb.get("metadata") or {}).get("kernelspec") or {}
    if ks:
        out.append(f"# kernel: {ks.get('name')} ({ks.get('display_name', '')})")
    for i, c in enumerate(nb.get("cells", []), start=1):
        ident = f" id={c['id']}" if c.get("id") else ""
        count = f" In[{c['execution_count']}]" if c.get("execution_count") else ""
        tags = (c.get("metadata") or {}).get("tags")
        tag_s = f" tags={','.join(tags)}" if tags else ""
        out.append(f"# %% cell {i} [{c.get('cell_type')}]{ident}{count}{tag_s}")
        out += _src(c).splitlines()
        if outputs and c.get("outputs"):
            out.append("# -- outputs")
            out += ["# " + ln for ln in _outputs_lines(c)]
        out.append("")
    return "\n".join(out)
