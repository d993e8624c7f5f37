"""Notebook IO: what document.dumps writes is byte-identical to nbformat's own writer."""

from __future__ import annotations

import copy
import json
import random
import warnings

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from folio.errors import InvalidNotebook
from folio.notebook import document


def nbformat_bytes(nb: dict) -> bytes:
    return (nbformat.writes(nbformat.from_dict(copy.deepcopy(nb))) + "\n").encode()


def sample_notebook() -> dict:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}, "signature": "x",
                                "orig_nbformat": 3, "weird": {"ñ": [1.5e-7, 1e-05, 0.0001, 1e16, 2**70, -0.0]}})
    nb.cells = [
        new_code_cell("import os\nprint('hi')\r\nx = 1\r", execution_count=1, metadata={"trusted": True, "tags": ["a"]},
                      outputs=[new_output("stream", name="stdout", text="hi\nthere\n"),
                               new_output("display_data", data={"text/plain": "a\nb", "image/png": "iVBO\nRw0K\n",
                                                                "image/svg+xml": "<svg>\n</svg>",
                                                                "application/json": {"k": [1, 2.5, None, True]},
                                                                "application/vnd.x+json": [",", "b\n"]},
                                          metadata={"isolated": True}),
                               new_output("execute_result", data={"text/html": ["<b>", "x</b>"]}, execution_count=1),
                               new_output("error", ename="E", evalue="v", traceback=["t1\n", "t2"])]),
        new_markdown_cell("# Title ü 漢字 \u2028 \x7f\n\ntext \"quoted\" \\ back", attachments={
            "a.png": {"image/png": "QUJD\nREVG", "text/plain": "line1\nline2"}}),
        new_raw_cell(""),
        new_code_cell(""),
    ]
    return nb


def test_dumps_matches_nbformat_writes() -> None:
    nb = sample_notebook()
    assert document.dumps(nb) == nbformat_bytes(nb)


def test_dumps_does_not_modify_its_input() -> None:
    nb = sample_notebook()
    before = json.dumps(nb, sort_keys=True)
    document.dumps(nb)
    assert json.dumps(nb, sort_keys=True) == before


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 2**80, [1.0, float("nan")], 1e-300])
def test_values_orjson_cannot_spell_take_the_exact_path(value: object) -> None:
    nb = new_notebook(metadata={"v": value, "list": [value, 1]})
    assert document.dumps(nb) == nbformat_bytes(nb)


def test_random_values_match_nbformat() -> None:
    rnd = random.Random(7)

    def value(depth: int = 0) -> object:
        k = rnd.randrange(8 if depth < 3 else 5)
        if k == 0:
            return rnd.random() * 10 ** rnd.randrange(-12, 22) * rnd.choice([1, -1])
        if k == 1:
            return rnd.randrange(-(10**12), 10**12)
        if k == 2:
            return "".join(chr(rnd.choice([rnd.randrange(0x20), rnd.randrange(0x20, 0x80), rnd.randrange(0x80, 0xD800),
                                           34, 44, 92, 10])) for _ in range(rnd.randrange(8)))
        if k == 3:
            return rnd.choice([None, True, False, 0.0, []])
        if k == 4:
            return [",", "x"] if rnd.random() < 0.2 else [rnd.random() for _ in range(rnd.randrange(5))]
        if k in (5, 6):
            return [value(depth + 1) for _ in range(rnd.randrange(4))]
        return {f"k{rnd.randrange(50)}": value(depth + 1) for _ in range(rnd.randrange(4))}

    for _ in range(60):
        nb = new_notebook(metadata={"m": value()})
        nb.cells.append(new_code_cell("a\nb", metadata={"x": value()},
                                      outputs=[new_output("display_data", data={"application/json": value(),
                                                                                "text/plain": "p\nq"})]))
        assert document.dumps(nb) == nbformat_bytes(nb)


def test_parse_joins_lines_strips_transient_and_upgrades_old_minor() -> None:
    old = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {"trusted": True},
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": ["a\n", "b"]}],
                      "source": ["x = 1\n", "y = 2"]}],
           "metadata": {"signature": "sha256:x"}, "nbformat": 4, "nbformat_minor": 2}
    nb = document.parse(json.dumps(old).encode())
    cell = nb["cells"][0]
    assert cell["source"] == "x = 1\ny = 2" and cell["outputs"][0]["text"] == "a\nb"
    assert "trusted" not in cell["metadata"] and "signature" not in nb["metadata"]
    assert nb["nbformat_minor"] == 5 and isinstance(cell["id"], str) and cell["id"]
    document.validate(nb)


def test_parse_converts_v3_through_nbformat() -> None:
    v3 = {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0,
          "worksheets": [{"cells": [{"cell_type": "code", "input": "1+1", "language": "python", "outputs": [],
                                     "metadata": {}, "collapsed": False, "prompt_number": 1}], "metadata": {}}]}
    nb = document.parse(json.dumps(v3).encode())
    assert nb["nbformat"] == 4 and nb["cells"][0]["source"] == "1+1"


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'{"nbformat": "4"}', b'{"nbformat": 4, "nbformat_minor": 5, "cells": 3, "metadata": {}}',
     b"\xff\xfe"],
)
def test_unreadable_notebooks_raise_invalid_notebook(raw: bytes) -> None:
    with pytest.raises(InvalidNotebook):
        document.parse(raw)


def test_schema_invalid_notebook_is_refused_with_a_message() -> None:
    nb = document.new_notebook()
    nb["cells"].append({"cell_type": "code", "source": "x", "outputs": [], "execution_count": None, "id": "a"})
    with pytest.raises(InvalidNotebook) as e:
        document.validate(nb)
    assert "metadata" in str(e.value)


def _variants() -> list[tuple[str, dict]]:
    base = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    code = {"cell_type": "code", "id": "c1", "metadata": {}, "source": "x", "outputs": [], "execution_count": None}
    stream = {"output_type": "stream", "name": "stdout", "text": "hi"}
    display = {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {}}
    out = [
        ("valid code", [{**code, "outputs": [stream, display]}]),
        ("valid markdown with attachments", [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "",
                                              "attachments": {"a.png": {"image/png": "QQ=="}}}]),
        ("valid raw", [{"cell_type": "raw", "id": "r", "metadata": {"format": "text/x-python"}, "source": ["a"]}]),
        ("code without outputs", [{k: v for k, v in code.items() if k != "outputs"}]),
        ("unknown output type", [{**code, "outputs": [{"output_type": "nope"}]}]),
        ("stream without name", [{**code, "outputs": [{"output_type": "stream", "text": "x"}]}]),
        ("display_data with execution_count", [{**code, "outputs": [{**display, "execution_count": 1}]}]),
        ("execute_result count is a string", [{**code, "outputs": [{"output_type": "execute_result", "data": {},
                                                                   "metadata": {}, "execution_count": "1"}]}]),
        ("error without traceback", [{**code, "outputs": [{"output_type": "error", "ename": "E", "evalue": "v"}]}]),
        ("markdown with outputs", [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "", "outputs": []}]),
        ("bad id", [{**code, "id": "bad id!"}]),
        ("unknown cell type", [{**code, "cell_type": "sql"}]),
        ("output not an object", [{**code, "outputs": ["text"]}]),
        ("cell not an object", ["cell"]),
        ("valid code with metadata and json data", [{**code, "metadata": {"tags": ["a"], "collapsed": True},
                                                     "outputs": [{**display, "data": {"application/json": [1, {}]}}]}]),
        ("valid error", [{**code, "outputs": [{"output_type": "error", "ename": "E", "evalue": "", "traceback": []}]}]),
        ("negative execution count", [{**code, "execution_count": -1}]),
        ("boolean execution count", [{**code, "execution_count": True}]),
        ("stream text with a number", [{**code, "outputs": [{**stream, "text": ["a", 1]}]}]),
        ("text/plain data is a number", [{**code, "outputs": [{**display, "data": {"text/plain": 3}}]}]),
        ("traceback with a number", [{**code, "outputs": [{"output_type": "error", "ename": "E", "evalue": "v",
                                                          "traceback": ["a", 2]}]}]),
        ("id too long", [{**code, "id": "x" * 65}]),
        ("empty id", [{**code, "id": ""}]),
        ("markdown with an extra key", [{"cell_type": "markdown", "id": "m", "metadata": {}, "source": "", "x": 1}]),
        ("tags not a list", [{**code, "metadata": {"tags": "a"}}]),
        ("source is a number", [{**code, "source": 5}]),
    ]
    cases = [(name, {**base, "cells": cells}) for name, cells in out]
    cases += [("top-level extra key", {**base, "extra": 1}), ("metadata not an object", {**base, "metadata": []}),
              ("kernelspec without name", {**base, "metadata": {"kernelspec": {"display_name": "x"}}})]
    return cases


@pytest.mark.parametrize(("name", "nb"), _variants(), ids=[n for n, _ in _variants()])
def test_fast_validation_agrees_with_nbformat(name: str, nb: dict) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(copy.deepcopy(nb))
        nbformat_ok = True
    except Exception:
        nbformat_ok = False
    try:
        document.validate(copy.deepcopy(nb))
        ours_ok = True
    except InvalidNotebook:
        ours_ok = False
    assert ours_ok == nbformat_ok
    assert ours_ok == name.startswith("valid")


def test_missing_and_duplicate_ids_are_repaired_like_nbformat() -> None:
    nb = document.new_notebook()
    nb["cells"] = [{"cell_type": "raw", "metadata": {}, "source": ""},
                   {"cell_type": "raw", "id": "same", "metadata": {}, "source": ""},
                   {"cell_type": "raw", "id": "same", "metadata": {}, "source": ""}]
    document.validate(nb)
    ids = [c["id"] for c in nb["cells"]]
    assert all(ids) and len(set(ids)) == 3 and ids[1] == "same"


def test_opening_a_notebook_does_not_import_nbformat() -> None:
    # Importing nbformat imports jsonschema, whose format checkers build lark grammars: seconds of CPU that the
    # first open of a notebook (with a missing id, or of minor 4.4) once waited for.
    import subprocess
    import sys

    code = """
import json, sys
from folio.notebook import document
raw = {"cell_type": "raw", "metadata": {}, "source": ""}
old = {"cells": [raw], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}
nb = document.parse(json.dumps(old).encode(), "old.ipynb")
nb["cells"] += [dict(raw), dict(nb["cells"][0])]
document.validate(nb, "old.ipynb")
ids = [c["id"] for c in nb["cells"]]
assert len(set(ids)) == 3 and all(len(i) == 8 for i in ids), ids
print(sorted(m for m in ("nbformat", "jsonschema") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_old_minor_saved_as_is(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from folio.contents.local import LocalContents

    c = LocalContents(tmp_path)
    nb = {"cells": [{"cell_type": "raw", "metadata": {}, "source": "x"}], "metadata": {}, "nbformat": 4,
          "nbformat_minor": 4}
    c.save({"type": "notebook", "content": nb}, "old.ipynb")
    assert json.loads((tmp_path / "old.ipynb").read_text()) == {**nb, "cells": [{**nb["cells"][0], "source": ["x"]}]}


def test_long_multiline_strings_split_exactly_like_splitlines() -> None:
    rnd = random.Random(3)
    alphabet = ["a", "é", "漢", "\n", "\n", "\r", "\r\n", "\\", "\\n", '"', "\t", "\x0b", "\x0c", "\x1c", "\x85",
                "\u2028", "\u2029", "\u201c", "\x00", "\x7f", " "]
    for i in range(300):
        text = "".join(rnd.choice(alphabet[: 6 if i % 2 else len(alphabet)]) for _ in range(rnd.randrange(250, 900)))
        if i % 5 == 0:
            text += "\n"
        nb = new_notebook()
        nb.cells = [new_code_cell(text, outputs=[new_output("stream", text=text),
                                                 new_output("display_data", data={"text/html": text})])]
        assert document.dumps(nb) == nbformat_bytes(nb)


def test_many_cells_are_written_in_pieces_exactly_like_nbformat() -> None:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}, "x": 1e-7})
    for i in range(document._GROUP_CELLS * 2 + 7):
        meta = {"weird": float("nan")} if i == document._GROUP_CELLS + 3 else {}  # one group takes the exact path
        nb.cells.append(new_code_cell(f"x = {i}\nprint(x)", metadata=meta,
                                      outputs=[new_output("stream", text=f"{i}\n" * 3)]))
        nb.cells.append(new_markdown_cell(f"# {i}"))
    pieces = list(document.iter_dumps(nb))
    assert len(pieces) > 4
    assert b"".join(bytes(p) for p in pieces) == nbformat_bytes(nb) == document.dumps(nb)
