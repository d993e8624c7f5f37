"""The other toolchain commands as a user runs them: strip, scan, test (and the pytest plugin), diff,
git-setup, lint, convert, and every command's --help."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.integration.cli.conftest import build_notebook, folio

AWS = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret
SLACK = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"  # pragma: allowlist secret
STRIPE = "sk_live_" + "51HxYzAbCdEfGhIjKlMnOpQr"  # pragma: allowlist secret


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A notebook run once by folio run (real kernel), shared by the strip, test and diff tests."""
    d = tmp_path_factory.mktemp("executed")
    nb = build_notebook("import math\nprint('pi is', round(math.pi, 4))", "value = 6 * 7\nvalue",
                        "class Thing: pass\nThing()", "from datetime import datetime\nprint(datetime.now())")
    nbformat.write(nb, d / "src.ipynb")
    r = folio("run", "src.ipynb", "-o", "clean.ipynb", "-q", cwd=d)
    assert r.returncode == 0, r.stderr
    return d / "clean.ipynb"


@pytest.mark.parametrize("cmd", ["run", "convert", "strip", "scan", "test", "diff", "git-setup", "lint"])
def test_every_command_has_help_with_examples(cmd: str) -> None:
    from click.testing import CliRunner

    from folio.cli.main import cli

    r = CliRunner().invoke(cli, [cmd, "--help"], prog_name="folio")  # in-process: help needs no kernel
    assert r.exit_code == 0 and "Examples:" in r.output and f"folio {cmd}" in r.output


def test_strip_check_fails_then_passes_after_strip(executed: Path, tmp_path: Path) -> None:
    nb = tmp_path / "s.ipynb"
    shutil.copy(executed, nb)
    r = folio("strip", "--check", str(nb), cwd=tmp_path)
    assert r.returncode == 1 and "s.ipynb: would strip" in r.stdout and "output(s)" in r.stdout
    assert nb.read_bytes() == executed.read_bytes()  # --check changes nothing
    r = folio("strip", str(nb), cwd=tmp_path)
    assert r.returncode == 0
    stripped = nbformat.read(nb, 4)
    assert all(c.outputs == [] and c.execution_count is None for c in stripped.cells)
    assert "folio" not in stripped.metadata
    assert folio("strip", "--check", str(nb), cwd=tmp_path).returncode == 0
    before = nb.read_bytes()
    folio("strip", str(nb), cwd=tmp_path)
    assert nb.read_bytes() == before  # idempotent, not even rewritten


def test_strip_to_stdout_leaves_file_alone(executed: Path, tmp_path: Path) -> None:
    r = folio("strip", "-t", str(executed), cwd=tmp_path)
    assert r.returncode == 0 and nbformat.reads(r.stdout, 4).cells[0].outputs == []
    assert nbformat.read(executed, 4).cells[0].outputs
    piped = folio("strip", "-", cwd=tmp_path, input=executed.read_text())
    assert piped.stdout == r.stdout


def planted_notebook(path: Path, extra_source: str = "") -> None:
    nb = build_notebook(f'x = 1\naws_key = "{AWS}"\n{extra_source}', "print(cfg)", "report()")
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"slack={SLACK}\n")]
    nb.cells[2].outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": f"<table><tr><td>{STRIPE}</td></tr></table>",
        "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "text/plain": "<report>"})]
    nbformat.write(nb, path)


def test_scan_finds_planted_keys_in_cell_stream_and_html_and_honours_a_baseline(tmp_path: Path) -> None:
    nb = tmp_path / "leaky.ipynb"
    planted_notebook(nb)
    r = folio("scan", str(nb), cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert any("cell 1, source, line 2: AWS Access Key" in ln for ln in lines)
    assert any("cell 2, output 1 (stdout), line 1: Slack Token" in ln for ln in lines)
    assert any("cell 3, output 1 (text/html), line 1: Stripe Access Key" in ln for ln in lines)
    assert len(lines) == 3  # the image is not a finding
    assert AWS not in r.stdout and SLACK not in r.stdout and STRIPE not in r.stdout

    # accept what is there now; a new key is still reported, the baselined ones are not
    assert folio("scan", str(nb), "--write-baseline", "base.json", cwd=tmp_path).returncode == 0
    assert folio("scan", str(nb), "--baseline", "base.json", cwd=tmp_path).returncode == 0
    new_key = "ghp_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn"  # pragma: allowlist secret
    planted_notebook(nb, extra_source=f'gh = "{new_key}"')
    r = folio("scan", str(nb), "--baseline", "base.json", "--format", "json", cwd=tmp_path)
    assert r.returncode == 1
    found = json.loads(r.stdout)
    assert [f["kind"] for f in found["findings"]] == ["GitHub Token"] and found["baselined"] == 3

    sarif = json.loads(folio("scan", str(nb), "--format", "sarif", cwd=tmp_path).stdout)
    assert {res["ruleId"] for res in sarif["runs"][0]["results"]} >= {"secret/aws-access-key", "secret/slack-token"}


def test_scan_inline_pragma_and_clean_files_pass(tmp_path: Path) -> None:
    nb = build_notebook(f'key = "{AWS}"  # pragma: allowlist secret', "print('nothing here')")
    nbformat.write(nb, tmp_path / "ok.ipynb")
    (tmp_path / "notes.md").write_text("no secrets, just prose\n")
    r = folio("scan", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stdout


def test_test_passes_on_clean_notebook_and_fails_with_a_readable_diff(executed: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.ipynb"
    shutil.copy(executed, good)  # object addresses and timestamps differ between runs: sanitized
    r = folio("test", str(good), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "good.ipynb: ok (4 passed, 0 failed, 0 skipped)" in r.stdout

    nb = nbformat.read(good, 4)
    nb.cells[1].outputs[0].data["text/plain"] = "41"
    nb.cells[3].metadata.tags = ["folio-skip"]
    bad = tmp_path / "bad.ipynb"
    nbformat.write(nb, bad)
    r = folio("test", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.ipynb: cell 2" in r.stdout and "outputs differ from the stored ones" in r.stdout
    assert "-41" in r.stdout and "+42" in r.stdout and "source: value = 6 * 7" in r.stdout
    assert "(2 passed, 1 failed, 1 skipped)" in r.stdout


def test_pytest_plugin_collects_notebooks_only_with_the_flag(executed: Path, tmp_path: Path) -> None:
    shutil.copy(executed, tmp_path / "test_good.ipynb")
    nb = nbformat.read(executed, 4)
    nb.cells[0].outputs[0].text = "pi is 3\n"
    nbformat.write(nb, tmp_path / "test_bad.ipynb")
    base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(tmp_path), str(tmp_path)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    off = subprocess.run(base, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert off.returncode == 5  # nothing collected: the plugin stays out of the way without the flag
    on = subprocess.run([*base, "--folio-notebooks"], cwd=tmp_path, capture_output=True, text=True, timeout=180,
                        env=env)
    assert on.returncode == 1, on.stdout
    assert "1 failed, 7 passed" in on.stdout
    assert "test_bad.ipynb::cell 1" in on.stdout and "-pi is 3" in on.stdout and "+pi is 3.1416" in on.stdout


def test_diff_added_removed_modified(executed: Path, tmp_path: Path) -> None:
    b = nbformat.read(executed, 4)
    b.cells[1].source = "value = 6 * 8\nvalue"
    b.cells[1].outputs[0].data["text/plain"] = "48"
    del b.cells[2]
    b.cells.append(nbformat.v4.new_markdown_cell("## Conclusion"))
    nbformat.write(b, tmp_path / "b.ipynb")
    r = folio("diff", str(executed), "b.ipynb", cwd=tmp_path)
    assert r.returncode == 1
    out = r.stdout
    assert "## cell 2 [code]" in out and "modified" in out and "-value = 6 * 7" in out and "+value = 6 * 8" in out
    assert "-42" in out and "+48" in out
    assert "removed" in out and "-class Thing: pass" in out
    assert "[markdown]" in out and "added" in out and "+## Conclusion" in out
    assert "\x1b[" not in out  # no color off a terminal
    j = json.loads(folio("diff", str(executed), "b.ipynb", "--json", cwd=tmp_path).stdout)
    assert sorted(c["op"] for c in j["cells"]) == ["added", "modified", "removed", "unchanged", "unchanged"]
    s = folio("diff", str(executed), "b.ipynb", "--sources-only", cwd=tmp_path).stdout
    assert "+48" not in s and "+value = 6 * 8" in s
    assert folio("diff", str(executed), str(executed), cwd=tmp_path).returncode == 0


def test_git_setup_makes_git_diff_readable(executed: Path, tmp_path: Path) -> None:
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    shutil.copy(executed, repo / "nb.ipynb")
    git("add", "nb.ipynb")
    git("commit", "-qm", "nb")
    r = subprocess.run([sys.executable, "-m", "folio", "git-setup"], cwd=repo, env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "*.ipynb diff=folio" in (repo / ".git" / "info" / "attributes").read_text()
    nb = nbformat.read(repo / "nb.ipynb", 4)
    nb.cells[1].source = "value = 6 * 9\nvalue"
    nbformat.write(nb, repo / "nb.ipynb")
    d = git("diff")
    assert "-value = 6 * 7" in d and "+value = 6 * 9" in d and "# %% cell 2 [code]" in d
    assert '"source": [' not in d  # not raw JSON

    r = subprocess.run([sys.executable, "-m", "folio", "git-setup", "--strip-filter"], cwd=repo, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    git("add", "nb.ipynb")
    staged = nbformat.reads(git("show", ":nb.ipynb"), 4)
    assert all(c.get("outputs", []) == [] for c in staged.cells)  # committed without outputs
    assert nbformat.read(repo / "nb.ipynb", 4).cells[0].outputs  # the working copy keeps them


def test_lint_finds_out_of_order_execution(executed: Path, tmp_path: Path) -> None:
    nb = nbformat.read(executed, 4)
    nb.cells[0].execution_count, nb.cells[1].execution_count = 5, 2
    nbformat.write(nb, tmp_path / "order.ipynb")
    r = folio("lint", "order.ipynb", cwd=tmp_path)
    assert r.returncode == 1
    assert "order.ipynb: cell 2: FL001 error: In[2] comes after In[5]" in r.stdout
    j = json.loads(folio("lint", "order.ipynb", "--format", "json", cwd=tmp_path).stdout)
    assert any(p["code"] == "FL001" and p["cell"] == 2 for p in j["problems"])
    clean = folio("lint", str(executed), cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout


@pytest.mark.timeout(600)  # five exports, PDF through Chromium: minutes on a loaded 2-core machine
def test_convert_html_report_markdown_script_and_pdf(executed: Path, tmp_path: Path) -> None:
    nb = nbformat.read(executed, 4)
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    nb.cells[2].outputs = [nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<fig>"})]
    src = tmp_path / "rep.ipynb"
    nbformat.write(nb, src)
    before = src.read_bytes()
    r = folio("convert", "rep.ipynb", "--to", "html", "--no-input", "-o", "report.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," + png[:20] in html and "pi is 3.1416" in html
    assert "value = 6 * 7" not in html  # no input
    r = folio("convert", "rep.ipynb", "--to", "markdown", "--to", "markdown", "--output-dir", "md", cwd=tmp_path)
    assert r.returncode == 0 and "value = 6 * 7" in (tmp_path / "md" / "rep.md").read_text()
    assert folio("convert", "rep.ipynb", "--to", "script", cwd=tmp_path).returncode == 0
    assert "value = 6 * 7" in (tmp_path / "rep.py").read_text()
    pdf = folio("convert", "rep.ipynb", "--to", "pdf", cwd=tmp_path, timeout=180)
    if pdf.returncode == 0:
        assert (tmp_path / "rep.pdf").read_bytes()[:4] == b"%PDF"
    else:
        assert "PDF needs a renderer" in pdf.stderr and "--to html" in pdf.stderr
    assert src.read_bytes() == before
    nbc = folio("convert", "rep.ipynb", "--to", "notebook", cwd=tmp_path)
    assert nbc.returncode == 0 and (tmp_path / "rep.nbconvert.ipynb").exists()


def test_unreadable_notebook_named_in_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.ipynb").write_text("{not json")
    for cmd in (["strip"], ["lint"], ["test"], ["run"]):
        r = folio(*cmd, "broken.ipynb", cwd=tmp_path)
        assert r.returncode == 2, (cmd, r.stdout, r.stderr)
        assert "broken.ipynb" in r.stderr
    assert (tmp_path / "broken.ipynb").read_text() == "{not json"
