"""Reading and safely writing notebook files for the headless tools.

Writes never truncate in place: the bytes go to a temp file in the same folder, are fsynced, then renamed over
the target, so an interrupted write leaves either the old file or the new one, never a mix.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from folio.errors import InvalidNotebook, NoSuchFile

if TYPE_CHECKING:  # nbformat imports jsonschema, slow to import: commands that only write text skip it
    import nbformat


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Load a notebook (upgraded to v4 in memory); InvalidNotebook for unreadable JSON, NoSuchFile if absent."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise NoSuchFile(str(path)) from e
    except (UnicodeDecodeError, IsADirectoryError) as e:
        raise InvalidNotebook(str(path), str(e)) from e
    return reads_notebook(text, str(path))


def reads_notebook(text: str, name: str = "<notebook>") -> nbformat.NotebookNode:
    import nbformat

    try:
        return nbformat.reads(text, as_version=4)
    except Exception as e:  # nbformat raises bare ValueErrors, JSONDecodeError, NotJSONError...
        raise InvalidNotebook(name, f"{type(e).__name__}: {e}") from e


def dumps_notebook(nb: nbformat.NotebookNode) -> str:
    """The JSON text Jupyter itself writes (indent 1, sorted keys, multi-line strings split), newline-terminated."""
    import nbformat

    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def dumps_notebook_json(nb: dict) -> str:  # type: ignore[type-arg]
    """``dumps_notebook`` for the plain parsed JSON of a v4 notebook, without importing nbformat (the strip
    filter runs once per file on ``git add``, so its start-up time matters). Same bytes as nbformat writes."""
    nb = json.loads(json.dumps(nb))  # a deep copy
    md = nb.get("metadata", {})
    for k in ("orig_nbformat", "orig_nbformat_minor", "signature"):  # nbformat's strip_transient
        md.pop(k, None)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("trusted", None)
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
        for att in (cell.get("attachments") or {}).values():
            _split_bundle(att)
        if cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") in ("execute_result", "display_data"):
                    _split_bundle(out.get("data", {}))
                elif out.get("output_type") == "stream" and isinstance(out.get("text"), str):
                    out["text"] = out["text"].splitlines(True)
    return json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False) + "\n"


def _split_bundle(data: dict) -> None:  # type: ignore[type-arg]
    for key, value in list(data.items()):
        if isinstance(value, str) and (key.startswith("text/") or key in ("application/javascript", "image/svg+xml")):
            data[key] = value.splitlines(True)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder, fsync and rename."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if p.exists():  # keep the target's permissions, as editors do
            os.chmod(tmp, p.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_notebook(path: str | Path, nb: nbformat.NotebookNode) -> None:
    atomic_write_text(path, dumps_notebook(nb))


def _read_umask() -> int:
    mask = os.umask(0)  # the only way to read it; done once at import, since umask() is process-wide
    os.umask(mask)
    return mask


_UMASK = _read_umask()
