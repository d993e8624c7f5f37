"""folio.notebook.strip: what is removed, what is kept, and that stripping twice changes nothing."""

from __future__ import annotations

import nbformat

from folio.notebook.strip import StripOptions, strip_notebook


def executed_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                        "widgets": {"state": {}}, "papermill": {"duration": 1.0}})
    a = nbformat.v4.new_code_cell("print(1)", execution_count=3)
    a.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    a.metadata.update({"execution": {"iopub.status.busy": "x"}, "collapsed": False, "tags": ["t"]})
    keep = nbformat.v4.new_code_cell("plot()", execution_count=4)
    keep.outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "fig"})]
    keep.metadata["tags"] = ["keep-output"]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), a, keep, nbformat.v4.new_code_cell("")]
    return nb


def test_strips_outputs_counts_and_volatile_metadata_but_keeps_the_rest() -> None:
    res = strip_notebook(executed_notebook())
    nb = res.notebook
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert "execution" not in nb.cells[1].metadata and "collapsed" not in nb.cells[1].metadata
    assert nb.cells[1].metadata["tags"] == ["t"]
    assert "widgets" not in nb.metadata and "papermill" not in nb.metadata
    assert nb.metadata.kernelspec.name == "python3"
    assert "cell 2: 1 output(s)" in res.changes and "metadata.widgets" in res.changes


def test_keep_output_tag_keeps_that_cells_outputs_and_count() -> None:
    nb = strip_notebook(executed_notebook()).notebook
    assert nb.cells[2].outputs[0].data["text/plain"] == "fig"
    assert nb.cells[2].execution_count == 4


def test_idempotent_second_strip_reports_no_change() -> None:
    once = strip_notebook(executed_notebook()).notebook
    twice = strip_notebook(once)
    assert not twice.changed and twice.notebook == once


def test_extra_keys_drop_empty_cells_and_keep_count() -> None:
    opts = StripOptions(extra_keys=("metadata.kernelspec cell.metadata.tags",), drop_empty_cells=True,
                        keep_count=True)
    nb = strip_notebook(executed_notebook(), opts).notebook
    assert "kernelspec" not in nb.metadata
    assert "tags" not in nb.cells[1].metadata
    assert nb.cells[1].execution_count == 3
    assert len(nb.cells) == 3


def test_input_is_not_modified() -> None:
    nb = executed_notebook()
    strip_notebook(nb)
    assert nb.cells[1].outputs and nb.metadata.widgets == {"state": {}}


def test_plain_json_writer_gives_the_bytes_nbformat_writes() -> None:
    import json

    from folio.notebook.nbio import dumps_notebook, dumps_notebook_json

    nb = executed_notebook()
    nb.cells[2].outputs.append(nbformat.v4.new_output("display_data", data={
        "image/svg+xml": "<svg>\n<g/>\n</svg>", "application/json": {"a": [1, 2]}, "text/html": "<b>é</b>\n<i/>",
        "image/png": "iVBORw0KGgo=\n"}))
    nb.cells[0].attachments = {"x.png": {"image/png": "iVBO"}}
    nb.cells[0].metadata["trusted"] = True
    plain = json.loads(json.dumps(nb))
    assert dumps_notebook_json(plain) == dumps_notebook(nb)
