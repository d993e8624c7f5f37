"""Fast read, validate and write of .ipynb documents, byte-compatible with nbformat.

Reading parses with orjson, rejoins split lines and strips transient fields like
``nbformat.reads``; 4.x minors below 5 are upgraded in memory (cell ids), older
majors go through nbformat's converters. Writing produces exactly what
``nbformat.writes`` (indent=1, sorted keys, split lines, ``ensure_ascii=False``)
plus the trailing newline ``nbformat.write`` adds, so saves do not churn git diffs.

Why not ``json.dumps(indent=1)``: on Python 3.11 indenting forces the pure-Python
encoder, about 800 ms for a 50 MB notebook. Here containers are walked in Python
(a few thousand nodes in a typical notebook) while strings, and whole lists of
strings (source and output lines, almost all of the bytes), are encoded by orjson.
orjson's string escaping equals ``json.dumps(ensure_ascii=False)`` for every code
point; floats use ``float.__repr__`` like ``json`` does, since orjson formats small
exponents differently.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import re
import threading
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import msgspec
import orjson

from folio.errors import InvalidNotebook

NBFORMAT = 4
NBFORMAT_MINOR = 5

_NON_TEXT_SPLIT_MIMES = frozenset({"application/javascript", "image/svg+xml"})
_TRANSIENT_NB_META = ("orig_nbformat", "orig_nbformat_minor", "signature")
_RICH_OUTPUTS = frozenset({"execute_result", "display_data"})

Notebook = dict[str, Any]


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while building or walking a big document (re-entrant, thread-safe).

    Parsing a 50 MB notebook allocates hundreds of thousands of containers, which sets off full collections
    over the whole server heap: about a third of a big save's time, for no garbage (nothing here is cyclic).
    """
    global _gc_depth, _gc_was_enabled
    with _gc_lock:
        if _gc_depth == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_was_enabled:
                gc.enable()


# -- reading -----------------------------------------------------------------------------------------------------


def parse(raw: bytes | str, path: str = "") -> Notebook:
    """Parse notebook JSON into an nbformat 4 dict (lines joined, transient keys stripped), upgrading old minors.

    Raises InvalidNotebook when the bytes are not JSON or not a notebook; does not validate the schema.
    """
    try:
        nb = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # orjson refuses NaN/Infinity and lone surrogates, which Python's json (so nbformat) accepts
            nb = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidNotebook(path, f"Unreadable Notebook: NotJSONError: {e}") from None
    if not isinstance(nb, dict):
        raise InvalidNotebook(path, "Unreadable Notebook: the JSON document is not an object")
    major = nb.get("nbformat")
    if type(major) is not int:
        raise InvalidNotebook(path, "Unreadable Notebook: no integer 'nbformat' version")
    if major != NBFORMAT:
        return _convert_with_nbformat(nb, path)
    minor = nb.get("nbformat_minor")
    if type(minor) is not int:
        raise InvalidNotebook(path, "Unreadable Notebook: no integer 'nbformat_minor' version")
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        raise InvalidNotebook(path, "Unreadable Notebook: 'cells' is not a list of objects")
    if not isinstance(nb.get("metadata"), dict):
        raise InvalidNotebook(path, "Unreadable Notebook: 'metadata' is not an object")
    _rejoin_lines(cells)
    _strip_transient(nb)
    if minor < NBFORMAT_MINOR:
        _upgrade_minor(nb)
    return nb


def _convert_with_nbformat(nb: dict[str, Any], path: str) -> Notebook:
    """Rare path: v1-v3 notebooks (and future majors, which nbformat refuses) go through nbformat itself."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = nbformat.reads(json.dumps(nb), as_version=NBFORMAT)
    except Exception as e:  # nbformat raises many types here; all mean "cannot read"
        raise InvalidNotebook(path, f"Unreadable Notebook: {type(e).__name__}: {e}") from None
    return orjson.loads(orjson.dumps(node))  # plain dicts, like the fast path


def _rejoin(value: Any) -> Any:
    if type(value) is list:
        try:
            return "".join(value)  # raises if any item is not a str: then nbformat leaves the list alone too
        except TypeError:
            return value
    return value


def _rejoin_bundle(data: Any) -> None:
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if type(value) is list and not _is_json_mime(key):
            data[key] = _rejoin(value)


def _is_json_mime(key: str) -> bool:
    return key == "application/json" or (key.startswith("application/") and key.endswith("+json"))


def _rejoin_lines(cells: list[dict[str, Any]]) -> None:
    # Mirrors nbformat.v4.rwbase.rejoin_lines on plain dicts.
    for cell in cells:
        src = cell.get("source")
        if type(src) is list:
            cell["source"] = _rejoin(src)
        attachments = cell.get("attachments")
        if isinstance(attachments, dict):
            for bundle in attachments.values():
                _rejoin_bundle(bundle)
        if cell.get("cell_type") == "code":
            outputs = cell.get("outputs")
            if not isinstance(outputs, list):
                continue
            for out in outputs:
                if not isinstance(out, dict):
                    continue
                otype = out.get("output_type", "")
                if otype in _RICH_OUTPUTS:
                    _rejoin_bundle(out.get("data"))
                elif otype and type(out.get("text")) is list:
                    out["text"] = _rejoin(out["text"])


def _strip_transient(nb: Notebook) -> None:
    meta = nb.get("metadata")
    if isinstance(meta, dict):
        for key in _TRANSIENT_NB_META:
            meta.pop(key, None)
    for cell in nb.get("cells", ()):
        cmeta = cell.get("metadata")
        if isinstance(cmeta, dict):
            cmeta.pop("trusted", None)


def _upgrade_minor(nb: Notebook) -> None:
    """4.0-4.4 → 4.5: every cell gets an id (as nbformat.v4.convert.upgrade does)."""
    for cell in nb["cells"]:
        cell["id"] = new_cell_id()
    nb["nbformat_minor"] = NBFORMAT_MINOR


# -- validation --------------------------------------------------------------------------------------------------


def validate(nb: Notebook, path: str = "") -> None:
    """Validate against the nbformat schema; InvalidNotebook carrying nbformat's own message.

    Like nbformat.validate this fills in missing cell ids and repairs duplicate ones in place. For 4.5
    notebooks each cell is checked against the schema of its own ``cell_type`` (what the schema's ``oneOf``
    over cell kinds amounts to, without trying every kind on every cell); any failure is re-checked by
    nbformat, whose jsonschema pass gives the precise message.
    """
    if nb.get("nbformat") == NBFORMAT and nb.get("nbformat_minor") == NBFORMAT_MINOR and _fast_validate(nb):
        return
    import nbformat
    from nbformat.validator import ValidationError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nb)
    except ValidationError as e:
        raise InvalidNotebook(path, _short_validation_message(e)) from None
    except Exception as e:  # a structure so broken that the validator itself trips (e.g. cells not a list)
        raise InvalidNotebook(path, f"{type(e).__name__}: {e}") from None


_VALIDATORS: tuple[Any, dict[str, Any], dict[str, Any]] | None = None
_OUTPUT_KINDS = ("execute_result", "display_data", "stream", "error")


def _validators() -> tuple[Any, dict[str, Any], dict[str, Any]] | None:
    """(top level without cells, per cell_type, per output_type) compiled validators, or None without fastjsonschema."""
    global _VALIDATORS
    if _VALIDATORS is None:
        try:
            import fastjsonschema
        except ImportError:
            return None
        schema = _schema_json()
        if schema is None:
            return None
        defs = dict(schema["definitions"])
        # The schema's oneOf over cell kinds (and over output kinds) tries every kind on every item; each kind
        # pins its own cell_type / output_type, so checking an item against the kind it names is the same verdict.
        code = defs["code_cell"]
        defs["code_cell"] = {**code, "properties": {**code["properties"], "outputs": {"type": "array"}}}

        def compile_ref(name: str) -> Any:
            return fastjsonschema.compile({"$schema": schema["$schema"], "definitions": defs,
                                           "$ref": f"#/definitions/{name}"})

        top = {**schema, "properties": {**schema["properties"], "cells": {"type": "array"}}}
        _VALIDATORS = (
            fastjsonschema.compile(top),
            {kind: compile_ref(f"{kind}_cell") for kind in ("code", "markdown", "raw")},
            {kind: compile_ref(kind) for kind in _OUTPUT_KINDS},
        )
    return _VALIDATORS


def _schema_json() -> dict[str, Any] | None:
    """nbformat's own v4 schema file, read without importing nbformat: its validator module imports
    jsonschema, whose format checkers build a lark grammar at import (a CPU-second and ~30 MB)."""
    import importlib.util
    import json
    from pathlib import Path

    spec = importlib.util.find_spec("nbformat")
    if spec is None or not spec.submodule_search_locations:
        return None
    v4 = Path(next(iter(spec.submodule_search_locations))) / "v4"
    for name in (f"nbformat.v{NBFORMAT}.{NBFORMAT_MINOR}.schema.json", f"nbformat.v{NBFORMAT}.schema.json"):
        if (v4 / name).is_file():
            return json.loads((v4 / name).read_text())
    return None


def warm_up() -> None:
    """Compile the schema validators now (about a second), not on the first save."""
    _validators()


def _fast_validate(nb: Notebook) -> bool:
    """True if valid; False means "not known valid" (the caller asks nbformat, which explains)."""
    compiled = _validators()
    cells = nb.get("cells")
    if compiled is None or not isinstance(cells, list):
        return False
    top, per_cell, per_output = compiled
    repair_ids(cells)
    try:
        top(nb)
        for cell in cells:
            kind = cell.get("cell_type") if isinstance(cell, dict) else None
            check = per_cell.get(kind)  # type: ignore[arg-type]
            if check is None:
                return False
            if not _plain_cell(cell, kind):
                check(cell)
            if kind == "code":
                for out in cell["outputs"]:
                    check = per_output.get(out.get("output_type")) if isinstance(out, dict) else None
                    if check is None:
                        return False
                    if not _plain_output(out):
                        check(out)
    except Exception:  # fastjsonschema.JsonSchemaException, or a type error on garbage input
        return False
    return True


# Fast acceptance of the shapes that make up nearly every notebook. Each test only ever says "valid" for
# something the 4.5 schema accepts (a stricter subset: e.g. only empty cell metadata); anything else is
# checked by the compiled schema as before.
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]+$")
_JSON_MIME = re.compile(r"^application/(.*\+)?json$")
_CODE_KEYS = frozenset({"id", "cell_type", "metadata", "source", "outputs", "execution_count"})
_TEXT_KEYS = frozenset({"id", "cell_type", "metadata", "source"})
_STREAM_KEYS = frozenset({"output_type", "name", "text"})
_RESULT_KEYS = frozenset({"output_type", "execution_count", "data", "metadata"})
_DISPLAY_KEYS = frozenset({"output_type", "data", "metadata"})
_ERROR_KEYS = frozenset({"output_type", "ename", "evalue", "traceback"})


def _multiline(v: Any) -> bool:
    return type(v) is str or (type(v) is list and set(map(type, v)) <= _STR)


def _count(v: Any) -> bool:
    return v is None or (type(v) is int and v >= 0)


def _plain_cell(cell: dict[str, Any], kind: str) -> bool:
    cid = cell.get("id")
    if not (type(cid) is str and 0 < len(cid) <= 64 and _CELL_ID.search(cid)):
        return False
    if cell.get("metadata") != {} or type(cell["metadata"]) is not dict or not _multiline(cell.get("source")):
        return False
    if kind == "code":
        return cell.keys() == _CODE_KEYS and _count(cell["execution_count"]) and type(cell["outputs"]) is list
    return cell.keys() == _TEXT_KEYS


def _bundle(data: Any) -> bool:
    if type(data) is not dict:
        return False
    for key, value in data.items():
        if type(key) is not str:
            return False
        if not _multiline(value) and not _JSON_MIME.search(key):
            return False
    return True


def _plain_output(out: dict[str, Any]) -> bool:
    otype = out.get("output_type")
    keys = out.keys()
    if otype == "stream":
        return keys == _STREAM_KEYS and type(out["name"]) is str and _multiline(out["text"])
    if otype == "display_data":
        return keys == _DISPLAY_KEYS and type(out["metadata"]) is dict and _bundle(out["data"])
    if otype == "execute_result":
        return (keys == _RESULT_KEYS and _count(out["execution_count"]) and type(out["metadata"]) is dict
                and _bundle(out["data"]))
    if otype == "error":
        tb = out.get("traceback")
        return (keys == _ERROR_KEYS and type(out["ename"]) is str and type(out["evalue"]) is str
                and type(tb) is list and set(map(type, tb)) <= _STR)
    return False


def new_cell_id() -> str:
    """A cell id as nbformat makes them (``generate_corpus_id``). Not imported from there: importing any
    part of nbformat imports jsonschema, whose format checkers build lark grammars (seconds of CPU), and
    the first open of a notebook with a missing id would wait for that."""
    return uuid.uuid4().hex[:8]


def repair_ids(cells: list[Any]) -> None:
    """What nbformat.validate's normalization does for 4.5: missing cell ids filled in, duplicates replaced."""
    seen: set[Any] = set()
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        cid = cell.get("id")
        if "id" not in cell or (isinstance(cid, str) and cid in seen):
            cell["id"] = cid = new_cell_id()
        if isinstance(cid, str):
            seen.add(cid)


def _short_validation_message(e: Exception) -> str:
    msg = getattr(e, "message", None) or str(e)
    where = "/".join(str(p) for p in getattr(e, "absolute_path", ()) or ())
    text = f"{msg} (at {where})" if where else msg
    return text if len(text) <= 2000 else text[:2000] + "…"


def new_notebook() -> Notebook:
    """An empty nbformat 4.5 notebook, as jupyter_server creates for new untitled notebooks."""
    return {"cells": [], "metadata": {}, "nbformat": NBFORMAT, "nbformat_minor": NBFORMAT_MINOR}


# -- writing -----------------------------------------------------------------------------------------------------


def dumps(nb: Notebook) -> bytes:
    """The bytes ``nbformat.write`` would put on disk for ``nb`` (split lines, transient keys stripped, final newline).

    ``nb`` is not modified. Raises ValueError for values JSON cannot hold (e.g. lone surrogates in strings).
    """
    return b"".join(dumps_chunks(nb))


def dumps_chunks(nb: Notebook) -> list[bytes]:
    """``dumps`` as a list of byte strings to write one after the other (saves copying 50 MB to append a newline)."""
    try:
        prepared = _prepare(nb)
    except _NeedsExact:
        return [dumps_exact(nb)]
    try:
        compact = orjson.dumps(prepared, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return [dumps_exact(nb)]
    del prepared
    return [msgspec.json.format(compact, indent=1), b"\n"]


_TOP_KEYS = frozenset({"cells", "metadata", "nbformat", "nbformat_minor"})
_GROUP_CELLS = 256  # cells serialized per piece by iter_dumps
_CELLS_HEAD = b'{\n "cells": [\n  '


def iter_dumps(nb: Notebook) -> Iterator[bytes | memoryview]:
    """The bytes of ``dumps(nb)``, yielded in pieces as they are produced, so they can be written (and hashed)
    on another thread while the rest is still being serialized.

    Cells are serialized a group at a time, each group wrapped as ``{"cells": [...]}`` so msgspec indents it
    exactly as it sits in the whole document (``cells`` sorts first among the four top-level keys), then
    sliced out. A group that orjson cannot spell like Python's json goes through the exact writer instead.
    """
    cells = nb.get("cells")
    if nb.keys() != _TOP_KEYS or not isinstance(cells, list) or len(cells) <= _GROUP_CELLS:
        yield from dumps_chunks(nb)
        return
    yield _CELLS_HEAD
    for start in range(0, len(cells), _GROUP_CELLS):
        if start:
            yield b",\n  "
        yield _cells_piece(cells[start : start + _GROUP_CELLS])
    rest = {k: v for k, v in nb.items() if k != "cells"}
    yield b"\n ],\n "
    yield memoryview(b"".join(dumps_chunks(rest)))[3:]  # drop the '{\n ' that opens the rest's own object


def _cells_piece(group: list[Any]) -> bytes | memoryview:
    try:
        prepared = [_prepare_cell(c) if isinstance(c, dict) else _fix(c) for c in group]
        text = msgspec.json.format(orjson.dumps({"cells": prepared}, option=orjson.OPT_SORT_KEYS), indent=1)
        return memoryview(text)[len(_CELLS_HEAD) : -5]  # cut '{\n "cells": [\n  ' and '\n ]\n}'
    except (_NeedsExact, orjson.JSONEncodeError):
        out: list[bytes] = []
        for i, cell in enumerate(group):
            if i:
                out.append(b",\n  ")
            try:
                (_write_cell if isinstance(cell, dict) else _write_value)(cell, 3, out)
            except (TypeError, orjson.JSONEncodeError) as e:
                raise ValueError(str(e)) from None
        return b"".join(out)


def dumps_exact(nb: Notebook) -> bytes:
    """Like dumps, by walking every container in Python: the path for NaN, infinities and huge integers."""
    out: list[bytes] = []
    try:
        _write_notebook(nb, out)
    except (TypeError, orjson.JSONEncodeError) as e:
        raise ValueError(str(e)) from None
    out.append(b"\n")
    return b"".join(out)


# -- fast path: a shallow copy with lines split (like nbformat's split_lines), then orjson + msgspec's re-indent ---


class _NeedsExact(Exception):
    """A value whose JSON spelling orjson cannot give like Python's json (NaN, infinity, beyond 64-bit ints)."""


def _prepare(nb: Notebook) -> Any:
    top = {}
    for key, value in nb.items():
        if key == "metadata" and isinstance(value, dict):
            top[key] = _fix({k: v for k, v in value.items() if k not in _TRANSIENT_NB_META})
        elif key == "cells" and isinstance(value, list):
            top[key] = [_prepare_cell(c) if isinstance(c, dict) else _fix(c) for c in value]
        else:
            top[key] = _fix(value)
    return top


def _prepare_cell(cell: dict[str, Any]) -> dict[str, Any]:
    is_code = cell.get("cell_type") == "code"
    new = {}
    for key, value in cell.items():
        if key == "source" and type(value) is str:
            new[key] = value.splitlines(True)
        elif key == "metadata" and isinstance(value, dict):
            new[key] = _fix({k: v for k, v in value.items() if k != "trusted"} if "trusted" in value else value)
        elif key == "attachments" and isinstance(value, dict):
            new[key] = {name: _prepare_bundle(b) for name, b in value.items()}
        elif key == "outputs" and is_code and isinstance(value, list):
            new[key] = [_prepare_output(o) for o in value]
        else:
            new[key] = _fix(value)
    return new


def _prepare_bundle(data: Any) -> Any:
    if not isinstance(data, dict):
        return _fix(data)
    return {
        k: (v.splitlines(True) if type(v) is str and (k.startswith("text/") or k in _NON_TEXT_SPLIT_MIMES) else _fix(v))
        for k, v in data.items()
    }


def _prepare_output(o: Any) -> Any:
    if not isinstance(o, dict):
        return _fix(o)
    otype = o.get("output_type")
    new = {}
    for key, value in o.items():
        if key == "data" and otype in _RICH_OUTPUTS:
            new[key] = _prepare_bundle(value)
        elif key == "text" and otype == "stream" and type(value) is str:
            new[key] = value.splitlines(True)
        else:
            new[key] = _fix(value)
    return new


def _fix(value: Any) -> Any:
    """``value``, or a copy in which floats orjson would spell differently from ``float.__repr__`` are Fragments."""
    t = type(value)
    if t is str or value is None or t is bool:
        return value
    if t is int:
        if -(2**63) <= value < 2**64:
            return value
        raise _NeedsExact
    if t is float:
        return _fix_float(value)
    if t is list or t is tuple:
        if not value:
            return value
        types = set(map(type, value))
        if types == _STR:
            return value
        if types <= _SCALARS:
            if (body := _scalar_list(value, types)) is not None:
                return orjson.Fragment(body)
            return [_fix(v) for v in value]
        return [_fix(v) for v in value]
    if isinstance(value, dict):
        return {k: _fix(v) for k, v in value.items()}
    if isinstance(value, str | int | float | list | tuple):
        return _fix(_plain(value))
    return value  # orjson raises on it, and the exact path says what it is


def _plain(value: Any) -> Any:
    for base in (str, bool, int, float, list):
        if isinstance(value, base):
            return base(value)
    return list(value)


def _fix_float(f: float) -> Any:
    if f != f or f in (math.inf, -math.inf):
        raise _NeedsExact
    body = orjson.dumps(f)
    if b"e-" in body or b"0.0000" in body:
        return orjson.Fragment(float.__repr__(f).encode())
    return f


# -- exact path: walk and write every container (json.dumps(indent=1) semantics) ----------------------------------


def _indent(level: int) -> bytes:
    return b"\n" + b" " * level


def _write_notebook(nb: Notebook, out: list[bytes]) -> None:
    items = []
    for key in sorted(nb):
        value = nb[key]
        if key == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _TRANSIENT_NB_META}
            items.append((key, value, _write_value))
        elif key == "cells" and isinstance(value, list):
            items.append((key, value, _write_cells))
        else:
            items.append((key, value, _write_value))
    _write_items(items, 1, out)


def _write_items(items: list[tuple[str, Any, Any]], level: int, out: list[bytes]) -> None:
    """An object whose (already sorted) values each have their own writer."""
    if not items:
        out.append(b"{}")
        return
    ind = _indent(level)
    out.append(b"{")
    first = True
    for key, value, writer in items:
        out.append(ind if first else b"," + ind)
        first = False
        out.append(orjson.dumps(key))
        out.append(b": ")
        writer(value, level + 1, out)
    out.append(_indent(level - 1))
    out.append(b"}")


def _write_cells(cells: list[Any], level: int, out: list[bytes]) -> None:
    if not cells:
        out.append(b"[]")
        return
    ind = _indent(level)
    out.append(b"[")
    for i, cell in enumerate(cells):
        out.append(ind if i == 0 else b"," + ind)
        if isinstance(cell, dict):
            _write_cell(cell, level + 1, out)
        else:
            _write_value(cell, level + 1, out)
    out.append(_indent(level - 1))
    out.append(b"]")


def _split(value: Any) -> Any:
    return value.splitlines(True) if type(value) is str else value


def _split_bundle(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    return {
        k: (v.splitlines(True) if type(v) is str and (k.startswith("text/") or k in _NON_TEXT_SPLIT_MIMES) else v)
        for k, v in data.items()
    }


def _write_cell(cell: dict[str, Any], level: int, out: list[bytes]) -> None:
    # Mirrors nbformat's split_lines + strip_transient for one cell, without copying the cell's content.
    is_code = cell.get("cell_type") == "code"
    items = []
    for key in sorted(cell):
        value = cell[key]
        if key == "source":
            value = _split(value)
        elif key == "metadata" and isinstance(value, dict) and "trusted" in value:
            value = {k: v for k, v in value.items() if k != "trusted"}
        elif key == "attachments" and isinstance(value, dict):
            value = {name: _split_bundle(b) for name, b in value.items()}
        elif key == "outputs" and is_code and isinstance(value, list):
            value = [_split_output(o) for o in value]
        items.append((key, value, _write_value))
    _write_items(items, level, out)


def _split_output(o: Any) -> Any:
    if not isinstance(o, dict):
        return o
    otype = o.get("output_type")
    if otype in _RICH_OUTPUTS and "data" in o:
        return {**o, "data": _split_bundle(o["data"])}
    if otype == "stream" and type(o.get("text")) is str:
        return {**o, "text": o["text"].splitlines(True)}
    return o


def _write_value(value: Any, level: int, out: list[bytes]) -> None:
    """Any JSON value at indent ``level`` (the level its children are indented to), as json.dumps(indent=1) would."""
    t = type(value)
    if t is str:
        out.append(orjson.dumps(value))
    elif t is list or t is tuple:
        if not value:
            out.append(b"[]")
        elif (types := set(map(type, value))) == _STR and value[0] != ",":
            # Lines: one orjson call for the whole list. An inner quote is always escaped, so '","' is either
            # a separator or a string that is exactly "," — harmless unless that string comes first.
            ind = _indent(level)
            body = orjson.dumps(value)
            out.append(b"[" + ind)
            out.append(body[1:-1].replace(b'","', b'",' + ind + b'"'))
            out.append(_indent(level - 1) + b"]")
        elif types <= _SCALARS and (body := _scalar_list(value, types)) is not None:
            out.append(b"[" + _indent(level))
            out.append(body[1:-1].replace(b",", b"," + _indent(level)))
            out.append(_indent(level - 1) + b"]")
        else:
            ind = _indent(level)
            out.append(b"[")
            for i, item in enumerate(value):
                out.append(ind if i == 0 else b"," + ind)
                _write_value(item, level + 1, out)
            out.append(_indent(level - 1) + b"]")
    elif isinstance(value, dict):
        if not value:
            out.append(b"{}")
            return
        ind = _indent(level)
        out.append(b"{")
        first = True
        for key in sorted(value):
            out.append(ind if first else b"," + ind)
            first = False
            out.append(orjson.dumps(key if type(key) is str else _key_str(key)))
            out.append(b": ")
            _write_value(value[key], level + 1, out)
        out.append(_indent(level - 1) + b"}")
    elif value is None:
        out.append(b"null")
    elif value is True:
        out.append(b"true")
    elif value is False:
        out.append(b"false")
    elif t is int:
        out.append(int.__repr__(value).encode())
    elif t is float:
        out.append(_float(value))
    elif isinstance(value, str):
        out.append(orjson.dumps(str(value)))
    elif isinstance(value, int):
        out.append(int.__repr__(value).encode())
    elif isinstance(value, float):
        out.append(_float(float(value)))
    elif isinstance(value, list | tuple):
        _write_value(list(value), level, out)
    else:
        raise TypeError(f"Object of type {t.__name__} is not JSON serializable")


_STR = {str}
_SCALARS = {int, float, bool, type(None)}


def _scalar_list(value: list[Any] | tuple[Any, ...], types: set[type]) -> bytes | None:
    """orjson's encoding of a list of numbers/bools/nulls when it equals json's, else None (then walk it).

    orjson spells some floats differently from ``float.__repr__`` (1e-05 vs 1e-5, 0.00001), always
    visible as 'e-' or '0.0000' in its output, and writes NaN/Infinity as null.
    """
    try:
        body = orjson.dumps(value)
    except orjson.JSONEncodeError:  # ints beyond 64 bits
        return None
    if float in types:
        if b"e-" in body or b"0.0000" in body:
            return None
        if b"null" in body:  # NaN or infinity, unless real nulls are mixed in: then cannot tell, so walk
            return None
    return body


def _float(f: float) -> bytes:
    # Same spellings as json.encoder.floatstr.
    if f != f:
        return b"NaN"
    if math.isinf(f):
        return b"Infinity" if f > 0 else b"-Infinity"
    return float.__repr__(f).encode()


def _key_str(key: Any) -> str:
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, float):
        return _float(key).decode()
    return str(key)
