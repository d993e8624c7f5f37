"""Hidden-state and hygiene checks on a saved notebook: what its execution counts, outputs and metadata reveal.

Each rule has a code, a severity and a fixed message shape; ``lint_notebook`` is pure (no kernel, no disk).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]

RULES: dict[str, tuple[Severity, str]] = {
    "FL001": ("error", "execution-order: cells were run out of order (top-to-bottom replay may differ)"),
    "FL002": ("warning", "execution-gap: execution counts skip numbers (cells re-run or deleted since)"),
    "FL003": ("error", "unexecuted-cell: a cell was never run while later cells have outputs"),
    "FL004": ("warning", "large-output: an output is over the size limit"),
    "FL005": ("warning", "large-image: an embedded image is over the size limit"),
    "FL006": ("error", "missing-kernelspec: no metadata.kernelspec; headless runs cannot pick a kernel"),
    "FL007": ("warning", "missing-language: no metadata.language_info / kernelspec language"),
    "FL008": ("error", "secret: a possible secret in a source or an output"),
    "FL009": ("warning", "absolute-path: a path on the author's machine"),
    "FL010": ("error", "error-output: a stored output is an error (the notebook did not run cleanly)"),
}

# Paths under a user's home or a temp folder: they will not exist on another machine.
_ABS_PATH = re.compile(
    r"""(?<![\w/.])(?:/home/[A-Za-z0-9._-]+/|/Users/[A-Za-z0-9._ -]+/|[A-Za-z]:\\\\?Users\\\\?[A-Za-z0-9._ -]+)"""
    r"""[^\s'"<>)]*"""
)


@dataclass
class LintOptions:
    max_output_bytes: int = 1_000_000
    max_image_bytes: int = 500_000
    check_secrets: bool = True
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass
class Problem:
    path: str
    code: str
    severity: Severity
    message: str
    cell: int | None = None  # 1-based
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def location(self) -> str:
        where = self.path
        if self.cell is not None:
            where += f": cell {self.cell}"
        if self.line is not None:
            where += f", line {self.line}"
        return where


def _src(cell: dict[str, Any]) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _size(v: Any) -> int:
    if isinstance(v, str):
        return len(v.encode())
    if isinstance(v, list):
        return sum(len(x.encode()) for x in v if isinstance(x, str))
    return len(json.dumps(v))


def _decoded_size(v: Any) -> int:
    raw = "".join(v) if isinstance(v, list) else str(v)
    try:
        return len(base64.b64decode(raw, validate=False))
    except (binascii.Error, ValueError):
        return len(raw)


def lint_notebook(nb: dict[str, Any], path: str, options: LintOptions | None = None) -> list[Problem]:
    opts = options or LintOptions()
    problems: list[Problem] = []

    def add(code: str, message: str, cell: int | None = None, line: int | None = None) -> None:
        if opts.select and code not in opts.select:
            return
        if code in opts.ignore:
            return
        problems.append(Problem(path, code, RULES[code][0], message, cell, line))

    md = nb.get("metadata") or {}
    ks = md.get("kernelspec")
    if not ks or not ks.get("name"):
        add("FL006", "the notebook has no kernelspec in its metadata")
    if not (md.get("language_info") or {}).get("name") and not (ks or {}).get("language"):
        add("FL007", "the notebook does not say its language (metadata.language_info.name)")

    cells = nb.get("cells", [])
    code_cells = [(i, c) for i, c in enumerate(cells, start=1) if c.get("cell_type") == "code"]
    # Execution order: counts, among executed cells, should increase top to bottom.
    prev: tuple[int, int] | None = None
    for i, c in code_cells:
        n = c.get("execution_count")
        if n is None:
            continue
        if prev is not None and n <= prev[1]:
            add("FL001", f"In[{n}] comes after In[{prev[1]}] (cell {prev[0]}): it ran before the cells above it",
                cell=i)
        elif prev is not None and n > prev[1] + 1:
            add("FL002", f"In[{n}] follows In[{prev[1]}]: {n - prev[1] - 1} execution(s) are not in the notebook",
                cell=i)
        prev = (i, n)
    last_run = max((i for i, c in code_cells if c.get("execution_count") is not None or c.get("outputs")),
                   default=0)
    for i, c in code_cells:
        if i < last_run and c.get("execution_count") is None and not c.get("outputs") and _src(c).strip():
            add("FL003", "this cell was never run, but later cells were: their outputs may depend on older code",
                cell=i)

    for i, c in code_cells:
        for k, out in enumerate(c.get("outputs", []) or [], start=1):
            if out.get("output_type") == "error" and "raises-exception" not in _tags(c):
                add("FL010", f"output {k} is an error: {out.get('ename')}: {out.get('evalue', '')[:120]}", cell=i)
            total = 0
            for mime, value in (out.get("data") or {}).items():
                size = _size(value)
                total += size
                if mime.startswith("image/") and mime != "image/svg+xml":
                    dsize = _decoded_size(value)
                    if dsize > opts.max_image_bytes:
                        add("FL005", f"output {k} embeds a {mime} of {dsize:,} bytes "
                                     f"(limit {opts.max_image_bytes:,})", cell=i)
            if out.get("output_type") == "stream":
                total += _size(out.get("text", ""))
            if total > opts.max_output_bytes:
                add("FL004", f"output {k} is {total:,} bytes (limit {opts.max_output_bytes:,})", cell=i)

    for i, c in enumerate(cells, start=1):
        for ln, line in enumerate(_src(c).splitlines(), start=1):
            for m in _ABS_PATH.finditer(line):
                add("FL009", f"absolute path {m.group(0)!r}: it will not exist on another machine", cell=i, line=ln)
        for k, out in enumerate(c.get("outputs", []) or [], start=1):
            text = _text_of(out)
            m = _ABS_PATH.search(text)
            if m:
                add("FL009", f"output {k} shows the path {m.group(0)!r} from the author's machine", cell=i)
    return problems


def _tags(cell: dict[str, Any]) -> list[str]:
    return list((cell.get("metadata") or {}).get("tags", []))


def _text_of(out: dict[str, Any]) -> str:
    if out.get("output_type") == "stream":
        t = out.get("text", "")
        return "".join(t) if isinstance(t, list) else t
    if out.get("output_type") == "error":
        return "\n".join(out.get("traceback", []))
    t = (out.get("data") or {}).get("text/plain", "")
    return "".join(t) if isinstance(t, list) else str(t)


def secret_problems(findings: list[Any]) -> list[Problem]:
    """Turn ``folio.notebook.secrets`` findings into FL008 problems."""
    return [Problem(f.path, "FL008", "error", f"{f.kind} in {f.part}: {f.snippet}", f.cell, f.line)
            for f in findings]
