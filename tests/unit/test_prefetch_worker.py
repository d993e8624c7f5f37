"""The notebook page's prefetch splitter (frontend/src/prefetch/worker.js), run under node: it cuts a contents
model's JSON, fed in arbitrary pieces, into its cells and the rest, or says it cannot."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "frontend" / "src" / "prefetch" / "worker.js"

# Feeds each text to folioCellSplitter in the given pieces; prints, per case, the cells' texts and the rest.
HARNESS = r"""
const fs = require("fs");
const src = fs.readFileSync(process.argv[2], "utf8");
const folioCellSplitter = new Function(src + "\nreturn folioCellSplitter;")();
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const out = cases.map(({ text, cuts }) => {
  const s = folioCellSplitter();
  let from = 0;
  let cellsDoneAt = null;
  const cells = [];
  for (const at of [...cuts, text.length]) {
    s.feed(text.slice(from, at));
    from = at;
    cells.push(...s.take());
    // Once it says the cells array is done, every cell has been handed out.
    if (s.cellsDone() && cellsDoneAt === null) cellsDoneAt = cells.length;
  }
  return { cells, rest: s.end(), cellsDoneAt };
});
process.stdout.write(JSON.stringify(out));
"""


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is needed in CI to test the prefetch worker")
        pytest.skip("node is not installed")
    return node


def _split(cases: list[tuple[str, list[int]]], tmp_path: Path) -> list[dict[str, Any]]:
    harness = tmp_path / "harness.cjs"
    harness.write_text(HARNESS, "utf-8")
    payload = json.dumps([{"text": t, "cuts": c} for t, c in cases])
    done = subprocess.run([_node(), str(harness), str(WORKER)], input=payload, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout)


def _model(cells: list[Any], **content_extra: Any) -> dict[str, Any]:
    # A contents model as a server may order it: content neither first nor last, cells after metadata.
    content = {"metadata": {"cells": [1, 2], "kernelspec": {"name": "python3"}}, "cells": cells, "nbformat": 4,
               "nbformat_minor": 5, **content_extra}
    return {"name": "a.ipynb", "path": "d/a.ipynb", "type": "notebook", "content": content, "format": "json",
            "hash": "ab" * 32}


TRICKY_CELLS = [
    {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": 'braces { [ ] } and "quotes" and \\ back\\\\'},
    {"cell_type": "code", "id": "c1", "metadata": {"tags": ["}", "]"], "cells": {"x": "]"}}, "execution_count": 3,
     "source": "print('\\\\\"')\n", "outputs": [{"output_type": "stream", "name": "stdout", "text": "é ✓ 😀\n"}]},
    {"cell_type": "code", "id": "c2", "metadata": {}, "execution_count": None, "source": "",
     "outputs": [{"output_type": "display_data", "metadata": {},
                  "data": {"text/html": '<b class="x">\\"</b>' * 20, "image/png": "iVBORw0KGgo" * 50}}]},
    {"cell_type": "raw", "id": "r1", "metadata": {}, "source": "\\u0022 not an escape here: \"\\\\\""},
]


def _cut_everywhere(text: str) -> list[tuple[str, list[int]]]:
    """The text whole, cut at every position in two, and in random pieces (1 to 40 characters)."""
    cases: list[tuple[str, list[int]]] = [(text, [])]
    cases += [(text, [i]) for i in range(1, len(text))]
    rng = random.Random(7)
    for _ in range(30):
        cuts, at = [], 0
        while True:
            at += rng.randint(1, 40)
            if at >= len(text):
                break
            cuts.append(at)
        cases.append((text, cuts))
    return cases


@pytest.mark.parametrize("indent", [None, 1])
def test_cells_and_rest_wherever_the_text_is_cut(tmp_path: Path, indent: int | None) -> None:
    model = _model(TRICKY_CELLS)
    text = json.dumps(model, indent=indent, ensure_ascii=False)
    cases = _cut_everywhere(text)
    expected_rest = _model([])
    for (_, cuts), got in zip(cases, _split(cases, tmp_path), strict=True):
        assert [json.loads(c) for c in got["cells"]] == TRICKY_CELLS, f"cuts at {cuts}"
        assert got["rest"] is not None and json.loads(got["rest"]) == expected_rest, f"cuts at {cuts}"
        assert got["cellsDoneAt"] == len(TRICKY_CELLS), f"cuts at {cuts}"


def test_a_notebook_without_cells_gives_an_empty_list(tmp_path: Path) -> None:
    (got,) = _split([(json.dumps(_model([])), [5, 50])], tmp_path)
    assert got["cells"] == [] and json.loads(got["rest"]) == _model([])


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"name": "d", "type": "directory", "content": [{"name": "x", "cells": []}]}, id="directory"),
        pytest.param({"name": "a.ipynb", "content": None}, id="no-content"),
        pytest.param({"content": {"cells": "not a list"}}, id="cells-not-a-list"),
        pytest.param({"content": {"cells": [{"cell_type": "code"}, "text"]}}, id="a-cell-not-an-object"),
        pytest.param({"content": {"cells": [{"a": 1}, 3]}}, id="a-number-for-a-cell"),
        pytest.param({"content": {"cells": [[1]]}}, id="a-list-for-a-cell"),
        pytest.param({"content": {"cells": [], "more": {}}, "x": {"content": {"cells": [{}]}}}, id="nested-cells-are-not-content-cells"),
    ],
)
def test_what_is_not_a_notebook_model_is_left_whole(tmp_path: Path, body: dict[str, Any]) -> None:
    text = json.dumps(body)
    for got in _split([(text, []), (text, [len(text) // 2])], tmp_path):
        if body.get("x"):  # the nested "cells" is not content.cells: the model is fine, its cells are []
            assert got["cells"] == [] and json.loads(got["rest"]) == body
        else:
            assert got["rest"] is None


def test_a_cut_off_body_is_left_whole(tmp_path: Path) -> None:
    text = json.dumps(_model(TRICKY_CELLS))
    for at in (len(text) // 3, len(text) - 1):
        (got,) = _split([(text[:at], [at // 2])], tmp_path)
        assert got["rest"] is None, f"cut at {at}"


def test_a_second_cells_array_is_left_whole(tmp_path: Path) -> None:
    (got,) = _split([('{"content": {"cells": [{"a": 1}], "cells": [{"b": 2}]}}', [20])], tmp_path)
    assert got["rest"] is None
