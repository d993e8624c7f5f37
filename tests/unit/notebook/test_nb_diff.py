"""folio.notebook.diff: matching cells by id and content; added, removed and modified cells; textconv view."""

from __future__ import annotations

import copy

import nbformat

from folio.notebook.diff import diff_notebooks, format_diff, match_cells, notebook_as_text


def base() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("x = 1"),
             nbformat.v4.new_code_cell("print(x)"), nbformat.v4.new_code_cell("y = x * 2\nprint(y)")]
    cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    cells[3].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                                     "text/plain": "<Figure>"})]
    nb.cells = cells
    return nb


def test_added_removed_modified_cells() -> None:
    a = base()
    b = copy.deepcopy(a)
    b.cells[1].source = "x = 2"
    b.cells[2].outputs[0].text = "2\n"
    del b.cells[3]
    b.cells.insert(1, nbformat.v4.new_markdown_cell("New intro"))
    d = diff_notebooks(a, b)
    ops = [(c.op, c.a_index, c.b_index) for c in d.cells]
    assert ("added", None, 1) in ops
    assert ("modified", 1, 2) in ops and ("modified", 2, 3) in ops
    assert ("removed", 3, None) in ops
    assert ("unchanged", 0, 0) in ops
    text = format_diff(d, "a.ipynb", "b.ipynb")
    assert "-x = 1" in text and "+x = 2" in text
    assert "+New intro" in text
    assert "removed" in text and "-y = x * 2" in text
    assert "-1" in text and "+2" in text  # the stdout output changed


def test_cells_without_common_ids_match_by_content() -> None:
    a = base()
    b = copy.deepcopy(a)
    for c in b.cells:
        c.id = "other-" + c.id
    b.cells[3].source = "y = x * 3\nprint(y)"
    pairs = match_cells(a.cells, b.cells)
    assert pairs == {0: 0, 1: 1, 2: 2, 3: 3}


def test_sources_only_ignores_outputs_and_identical_notebooks_do_not_differ() -> None:
    a = base()
    b = copy.deepcopy(a)
    b.cells[2].outputs = []
    assert not diff_notebooks(a, b, sources_only=True).changed
    assert diff_notebooks(a, b).changed
    assert not diff_notebooks(a, copy.deepcopy(a)).changed


def test_volatile_metadata_is_ignored_unless_asked() -> None:
    a = base()
    b = copy.deepcopy(a)
    b.cells[1].metadata["execution"] = {"iopub.status.busy": "2024"}
    assert not diff_notebooks(a, b).changed
    assert diff_notebooks(a, b, include_volatile=True).changed


def test_textconv_shows_cells_and_summarizes_images() -> None:
    text = notebook_as_text(base())
    assert "# %% cell 2 [code]" in text and "x = 1" in text
    assert "<image/png: 12 bytes, sha1" in text
    assert "iVBORw0KGgo=" not in text


def test_color_only_when_asked() -> None:
    a = base()
    b = copy.deepcopy(a)
    b.cells[1].source = "x = 3"
    d = diff_notebooks(a, b)
    assert "\x1b[32m" in format_diff(d, "a", "b", color=True)
    assert "\x1b[" not in format_diff(d, "a", "b", color=False)
