"""Updating one section of bench/RESULTS.md: each benchmark owns its own ``## `` section."""

from __future__ import annotations

import os
from pathlib import Path


def replace_section(path: Path, title: str, text: str) -> None:
    """Replace the section headed ``title`` with ``text`` (or append it), leaving every other section as it is.

    The file is read right before writing, since other benchmarks update their own sections, and written
    atomically.
    """
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == title), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        new = "".join(lines[:start]) + text + ("\n" + "".join(lines[end:]) if end < len(lines) else "")
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(new)
    os.replace(tmp, path)
