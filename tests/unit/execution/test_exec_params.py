"""folio.execution.params renders and places parameters exactly as papermill does (compared with papermill)."""

from __future__ import annotations

import math

import nbformat
import pytest
from papermill.cli import _resolve_type
from papermill.parameterize import parameterize_notebook
from papermill.translators import JuliaTranslator, PythonTranslator, RTranslator, ScalaTranslator

from folio.errors import ParameterError
from folio.execution import params as P

VALUES = {
    "n": 3, "big": 2**40, "neg": -1.5, "x": 0.1, "flag": True, "off": False, "none": None, "s": 'say "hi"\n\tok',
    "uni": "café", "items": [1, "two", [3.0, None]], "conf": {"a": 1, "b": {"c": [True, "x"]}},
    "inf": math.inf, "ninf": -math.inf, "_hidden": 1,
}
PAIRS = [(P.PythonTranslator, PythonTranslator), (P.RTranslator, RTranslator), (P.JuliaTranslator, JuliaTranslator),
         (P.ScalaTranslator, ScalaTranslator)]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=["python", "R", "julia", "scala"])
def test_codify_matches_papermill(ours: type[P.Translator], theirs: type) -> None:
    vals = dict(VALUES)
    if ours is not P.PythonTranslator:
        vals.pop("inf")  # papermill only special-cases infinities for Python
        vals.pop("ninf")
    assert ours.codify(vals) == theirs.codify(vals)


@pytest.mark.parametrize("raw", ["1", "-2", "1.5", "1e3", "True", "False", "None", "abc", "1,2", "0x10", "nan", ""])
def test_cli_values_typed_like_papermill(raw: str) -> None:
    ours, theirs = P.resolve_type(raw), _resolve_type(raw)
    assert type(ours) is type(theirs)
    assert ours == theirs or (isinstance(ours, float) and math.isnan(ours))


def notebook(tagged: bool, kernel: str = "python3", language: str = "python") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": kernel, "display_name": kernel, "language": language}
    p = nbformat.v4.new_code_cell("a = 1")
    if tagged:
        p.metadata.tags = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), p, nbformat.v4.new_code_cell("print(a)")]
    for c in nb.cells:  # papermill's loader gives every cell a tags list; its parameterize relies on it
        c.metadata.setdefault("tags", [])
    nb.metadata.papermill = {}  # ...and a papermill metadata dict
    return nb


@pytest.mark.parametrize("tagged", [True, False])
@pytest.mark.parametrize(("kernel", "language"), [("python3", "python"), ("ir", "R"), ("julia-1.10", "julia")])
def test_injected_cell_placed_and_rendered_like_papermill(tagged: bool, kernel: str, language: str) -> None:
    params = {"a": 5, "name": "x", "xs": [1, 2]}
    ours = P.parameterize(notebook(tagged, kernel, language), params)
    theirs = parameterize_notebook(notebook(tagged, kernel, language), params)
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    assert [c.metadata.get("tags") for c in ours.cells] == [c.metadata.get("tags") for c in theirs.cells]


def test_reinjection_replaces_the_old_injected_cell() -> None:
    once = P.parameterize(notebook(True), {"a": 2})
    twice = P.parameterize(once, {"a": 3})
    assert len(twice.cells) == len(once.cells)
    assert "a = 3" in twice.cells[2].source


def test_parameter_files_and_sets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "one.yaml").write_text("a: 1\nxs: [1, 2]\nconf: {k: v}\n")
    (tmp_path / "many.json").write_text('[{"a": 1}, {"a": 2}]')
    (tmp_path / "bad.yaml").write_text("- 1\n- 2\n")
    one = P.load_parameter_file(tmp_path / "one.yaml")
    many = P.load_parameter_file(tmp_path / "many.json")
    assert one == {"a": 1, "xs": [1, 2], "conf": {"k": "v"}}
    assert P.merge_parameter_sets([one, many], {"b": True}) == [
        {"a": 1, "xs": [1, 2], "conf": {"k": "v"}, "b": True}, {"a": 2, "xs": [1, 2], "conf": {"k": "v"}, "b": True}]
    with pytest.raises(ParameterError):
        P.load_parameter_file(tmp_path / "bad.yaml")
    with pytest.raises(ParameterError):
        P.translator_for("cobol", "cobol")


def test_inspect_parameters_python_and_other_languages() -> None:
    nb = notebook(True)
    nb.cells[1].source = ("alpha = 0.5  # learning rate\nname: str = 'a#b'\n"
                          "items = [\n    1, 2,\n]  # the items\nimport os")
    got = [(p.name, p.type, p.default, p.help) for p in P.inspect_parameters(nb)]
    assert got == [("alpha", "float", "0.5", "learning rate"), ("name", "str", "'a#b'", ""),
                   ("items", None, "[\n    1, 2,\n]", "the items")]
    r = notebook(True, "ir", "R")
    r.cells[1].source = "alpha <- 0.5  # rate\nn = 3"
    assert [(p.name, p.default, p.help) for p in P.inspect_parameters(r)] == [("alpha", "0.5", "rate"), ("n", "3", "")]
    assert P.inspect_parameters(notebook(False)) == []
