"""``folio run`` as a user runs it: typing like papermill, failures, kills, parallel parameter sets, output modes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.integration.cli.conftest import folio

SHOW = ("for k in ('n', 'x', 'flag', 'nothing', 'word', 'items', 'raw'):\n"
        "    v = globals()[k]\n    print(k, type(v).__name__, repr(v))")
DEFAULTS = "n = 0\nx = 0.0\nflag = False\nnothing = 1\nword = ''\nitems = []\nraw = ''"
ARGS = ["-p", "n", "42", "-p", "x", "2.5", "-p", "flag", "False", "-p", "nothing", "None", "-p", "word", "hello",
        "-y", "items: [1, two, {k: 3}]", "-r", "raw", "007"]


def stdout_of(path: Path) -> list[str]:
    nb = nbformat.read(path, 4)
    return ["".join(o.text) for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]


def test_parameters_typed_and_placed_exactly_like_papermill_cli(write_nb, tmp_path: Path) -> None:
    src = write_nb("params.ipynb", SHOW, params=DEFAULTS)
    pm = subprocess.run([sys.executable, "-m", "papermill", str(src), str(tmp_path / "pm.ipynb"), *ARGS,
                         "--cwd", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert pm.returncode == 0, pm.stderr
    r = folio("run", str(src), "-o", str(tmp_path / "folio.ipynb"), *ARGS, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert stdout_of(tmp_path / "folio.ipynb") == stdout_of(tmp_path / "pm.ipynb")
    out = stdout_of(tmp_path / "folio.ipynb")[0]
    for line in ("n int 42", "x float 2.5", "flag bool False", "nothing NoneType None", "word str 'hello'",
                 "items list [1, 'two', {'k': 3}]", "raw str '007'"):
        assert line in out
    ours, theirs = nbformat.read(tmp_path / "folio.ipynb", 4), nbformat.read(tmp_path / "pm.ipynb", 4)
    assert ours.cells[1].source == theirs.cells[1].source
    assert ours.cells[1].metadata.tags == ["injected-parameters"]
    assert nbformat.read(src, 4).cells[0].source == DEFAULTS  # input untouched


def test_cell_error_exits_1_names_cell_and_prints_traceback_with_partial_output(write_nb, tmp_path: Path) -> None:
    failing = "def load():\n    raise KeyError('missing column')\nload()"
    src = write_nb("fail.ipynb", "print('one')", "print('two')", failing, "print('never')")
    r = folio("run", str(src), cwd=tmp_path)
    assert r.returncode == 1
    assert "fail.ipynb: cell 3" in r.stderr and "KeyError" in r.stderr and "missing column" in r.stderr
    assert "Traceback" in r.stderr and "load()" in r.stderr and "\x1b[" not in r.stderr
    out = tmp_path / "fail.out.ipynb"
    assert f"partial output notebook: {out.name}" in r.stderr or str(out) in r.stderr
    assert stdout_of(out) == ["one\n", "two\n"]
    nb = nbformat.read(out, 4)
    assert nb.cells[2].outputs[0].ename == "KeyError" and nb.cells[2].metadata.folio.status == "error"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_folio_run_leaves_a_valid_notebook_with_the_outputs_so_far(write_nb, tmp_path: Path, sig) -> None:
    src = write_nb("long.ipynb", "import os\nprint('kernel', os.getpid())", "print('second')",
                   "import time\nprint('working', flush=True)\ntime.sleep(60)", "print('never')")
    out = tmp_path / "long.out.ipynb"
    proc = subprocess.Popen([sys.executable, "-m", "folio", "run", str(src), "-q"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kernel_pid = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if out.exists() and "working\n" in stdout_of(out):
                break
        else:
            pytest.fail("the running cell's output never reached the disk")
        kernel_pid = int(stdout_of(out)[0].split()[1])
        proc.send_signal(sig)
        proc.wait(30)
        if sig == signal.SIGTERM:
            assert proc.returncode == 128 + signal.SIGTERM
            assert "interrupted" in proc.stderr.read()
            deadline = time.monotonic() + 10
            while _pid_alive(kernel_pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not _pid_alive(kernel_pid), "folio run left its kernel running"
        nb = nbformat.read(out, 4)
        nbformat.validate(nb)
        assert stdout_of(out)[1:] == ["second\n", "working\n"]
        if sig == signal.SIGTERM:
            assert nb.metadata.folio.run.status == "interrupted"
            assert nb.cells[2].metadata.folio.status == "interrupted"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if kernel_pid and _pid_alive(kernel_pid):
            os.kill(kernel_pid, signal.SIGKILL)


def test_parameter_sets_in_parallel_with_summary_table(write_nb, tmp_path: Path) -> None:
    src = write_nb("sweep.ipynb", "print('rate', rate * 2)", params="rate = 1")
    (tmp_path / "grid.yaml").write_text("- {rate: 1}\n- {rate: 2}\n- {rate: 3}\n")
    r = folio("run", str(src), "-f", "grid.yaml", "-j", "2", "--output-dir", "runs", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for i, expect in enumerate(["rate 2\n", "rate 4\n", "rate 6\n"]):
        assert stdout_of(tmp_path / "runs" / f"sweep-{i}.ipynb") == [expect]
    lines = r.stderr.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.split() == ["run", "status", "cells", "time", "output"])
    rows = [ln.split() for ln in lines[head + 1:]]
    assert [(row[0], row[1], row[2], row[4]) for row in rows] == [
        (f"sweep.ipynb[{i}]", "ok", "3/3", f"runs/sweep-{i}.ipynb") for i in range(3)]


def test_json_lines_for_machines(write_nb, tmp_path: Path) -> None:
    src = write_nb("j.ipynb", "x = 1", "print(x)")
    r = folio("run", str(src), "--json", "-o", "j-out.ipynb", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds == ["run_started", "cell_finished", "cell_finished", "run_finished", "summary"]
    assert events[3]["record"]["status"] == "ok" and events[3]["record"]["kernel"]["language"] == "python"


def test_progress_bar_and_log_lines(write_nb, tmp_path: Path) -> None:
    src = write_nb("p.ipynb", "import time; time.sleep(0.7)", "y = 2")
    bar = folio("run", str(src), "--progress", cwd=tmp_path)
    assert bar.returncode == 0
    assert "\x1b[2K[" in bar.stderr and "/2 cells" in bar.stderr and "p.ipynb: import time" in bar.stderr
    log = folio("run", str(src), cwd=tmp_path)
    assert "p.ipynb: cell 1/2 [1] import time; time.sleep(0.7)" in log.stderr
    assert "p.ipynb: ok in" in log.stderr and "\x1b[2K" not in log.stderr


def test_refuses_to_overwrite_input_and_reports_missing_kernel(write_nb, tmp_path: Path) -> None:
    src = write_nb("same.ipynb", "print(1)")
    before = src.read_bytes()
    r = folio("run", str(src), "-o", str(src), cwd=tmp_path)
    assert r.returncode == 2 and "input notebook" in r.stderr
    assert src.read_bytes() == before
    r = folio("run", str(src), "--kernel", "no-such-kernel", cwd=tmp_path)
    assert r.returncode == 3 and "no-such-kernel" in r.stderr
    assert src.read_bytes() == before


def test_stdout_output_and_inplace(write_nb, tmp_path: Path) -> None:
    src = write_nb("io.ipynb", "print('hello')")
    r = folio("run", str(src), "-o", "-", "-q", cwd=tmp_path)
    assert r.returncode == 0 and "hello" in "".join(nbformat.reads(r.stdout, 4).cells[0].outputs[0].text)
    r = folio("run", str(src), "--inplace", "-q", cwd=tmp_path)
    assert r.returncode == 0 and stdout_of(src) == ["hello\n"]


def test_papermill_extras_help_notebook_prepare_only_base64_and_log_output(write_nb, tmp_path: Path) -> None:
    src = write_nb("extras.ipynb", "print('rate is', rate)", params="rate: float = 0.5  # learning rate\nname = 'x'")
    h = folio("run", str(src), "--help-notebook", cwd=tmp_path)
    assert h.returncode == 0
    assert "rate (float): default 0.5  # learning rate" in h.stdout and "name (str): default 'x'" in h.stdout
    prep = folio("run", str(src), "--prepare-only", "-b", "cmF0ZTogMC43NQo=", "-o", "prep.ipynb", cwd=tmp_path)
    assert prep.returncode == 0, prep.stderr
    nb = nbformat.read(tmp_path / "prep.ipynb", 4)
    assert nb.cells[1].source == "# Parameters\nrate = 0.75\n" and nb.cells[2].outputs == []
    live = folio("run", str(src), "--log-output", "-q", "-p", "rate", "2", cwd=tmp_path)
    assert live.returncode == 0 and "rate is 2\n" in live.stderr


def test_notebook_on_stdin_runs_to_stdout_and_failures_name_stdin(tmp_path: Path) -> None:
    from tests.integration.cli.conftest import build_notebook

    nb = build_notebook("print(n * 2)", "raise RuntimeError('boom')", params="n = 1")
    r = folio("run", "-", "-p", "n", "21", "-q", cwd=tmp_path, input=nbformat.writes(nb))
    assert r.returncode == 1
    assert "<stdin>: cell 4" in r.stderr and "RuntimeError: boom" in r.stderr
    out = nbformat.reads(r.stdout, 4)
    assert out.cells[2].outputs[0].text == "42\n" and out.cells[1].metadata.tags == ["injected-parameters"]
