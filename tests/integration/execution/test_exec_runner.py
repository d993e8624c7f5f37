"""folio.execution.run_notebook on real kernels: results, records, failures, partial outputs, pool, timeouts."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from folio.execution import NotebookRunFailed, arun_notebook, run_notebook
from folio.execution.pool import KernelPool

TYPES = ("for k in ('n', 'x', 'flag', 'nothing', 's', 'items', 'conf'):\n"
         "    print(k, type(globals()[k]).__name__, repr(globals()[k]))")
DEFAULTS = "n = 0\nx = 0.0\nflag = False\nnothing = 1\ns = ''\nitems = []\nconf = {}"
PARAMS = {"n": 3, "x": 0.5, "flag": True, "nothing": None, "s": 'a "quoted"\nline', "items": [1, "b", [2.5]],
          "conf": {"k": {"deep": [True, None]}}}


def texts(nb: nbformat.NotebookNode) -> list[str]:
    return ["".join(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
            for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_same_result_as_papermill_on_the_same_notebook(write_nb, tmp_path: Path) -> None:
    src = write_nb("p.ipynb", TYPES, "n * x", params=DEFAULTS)
    pm = papermill.execute_notebook(str(src), str(tmp_path / "pm.ipynb"), parameters=PARAMS, progress_bar=False,
                                    kernel_name="python3", cwd=str(tmp_path))
    ours = run_notebook(src, tmp_path / "folio.ipynb", PARAMS)
    assert [c.source for c in ours.notebook.cells] == [c.source for c in pm.cells]
    assert [c.metadata.get("tags", []) for c in ours.notebook.cells] == [c.metadata.get("tags", []) for c in pm.cells]
    assert texts(ours.notebook) == texts(pm)
    assert "n int 3" in texts(ours.notebook)[0] and "nothing NoneType None" in texts(ours.notebook)[0]
    assert [c.execution_count for c in ours.notebook.cells] == [c.execution_count for c in pm.cells]


def test_run_record_and_metadata(write_nb, tmp_path: Path) -> None:
    src = write_nb("m.ipynb", "import time; time.sleep(0.2)", "print('hi')", params="a = 1")
    res = run_notebook(src, tmp_path / "out.ipynb", {"a": 2})
    rec = res.record
    assert rec.ok and rec.cells_run == rec.cells_total == 4
    assert rec.kernel["language"] == "python" and rec.kernel["implementation"] == "ipython"
    assert rec.kernel["language_version"].count(".") == 2
    assert rec.environment["python"] and any(p.startswith("nbclient==") for p in rec.environment["packages"])
    assert rec.environment["packages_hash"].startswith("sha256:")
    assert rec.cells[2].duration >= 0.2
    on_disk = json.loads((tmp_path / "out.ipynb").read_text())
    run_md = on_disk["metadata"]["folio"]["run"]
    assert run_md["parameters"] == {"a": 2} and run_md["status"] == "ok" and run_md["duration"] > 0.2
    cell_md = on_disk["cells"][2]["metadata"]["folio"]
    assert cell_md["status"] == "ok" and cell_md["start_time"] < cell_md["end_time"]
    assert on_disk["cells"][3]["outputs"][0]["text"] == ["hi\n"]
    nbformat.validate(nbformat.reads(json.dumps(on_disk), 4))
    # the input is untouched
    assert nbformat.read(src, 4).cells[1].outputs == []


def test_failing_cell_keeps_earlier_outputs_and_describes_the_error(write_nb, tmp_path: Path) -> None:
    src = write_nb("e.ipynb", "print('before')", "def f():\n    raise ValueError('bad value')\nf()", "print('after')")
    out = tmp_path / "e.out.ipynb"
    with pytest.raises(NotebookRunFailed) as ei:
        run_notebook(src, out)
    res = ei.value.result
    err = res.record.error
    assert (err.cell_index, err.ename, err.evalue, err.execution_count) == (1, "ValueError", "bad value", 2)
    assert any("bad value" in line for line in err.traceback)
    assert "e.ipynb: cell 2" in str(ei.value) and "ValueError: bad value" in str(ei.value)
    saved = nbformat.read(out, 4)
    assert saved.cells[0].outputs[0].text == "before\n"
    assert saved.cells[1].outputs[0].output_type == "error"
    assert saved.cells[1].metadata.folio.status == "error" and "folio-failed" in saved.cells[1].metadata.tags
    assert saved.cells[2].outputs == [] and saved.cells[2].metadata.folio.status == "pending"
    assert saved.metadata.folio.run.status == "error"


def test_allowed_errors_and_raises_exception_tag(write_nb, tmp_path: Path) -> None:
    src = write_nb("a.ipynb", "1/0", "print('still ran')")
    res = run_notebook(src, None, allow_errors=True)
    assert res.ok and res.notebook.cells[1].outputs[0].text == "still ran\n"
    nb = nbformat.read(src, 4)
    nb.cells[0].metadata.tags = ["raises-exception"]
    assert run_notebook(nb).ok


def test_outputs_reach_disk_during_the_run_and_cancel_leaves_a_valid_notebook(write_nb, tmp_path: Path) -> None:
    src = write_nb("slow.ipynb", "print('first', flush=True)", "import time\nprint('tick', flush=True)\ntime.sleep(30)",
                   "print('never')")
    out = tmp_path / "slow.out.ipynb"

    async def scenario() -> None:
        task = asyncio.ensure_future(arun_notebook(src, out, autosave_interval=0.1))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if out.exists() and "tick\n" in texts(nbformat.read(out, 4)):  # output of the cell still running
                break
        else:
            pytest.fail("the running cell's output never reached the disk")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    t0 = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - t0 < 20
    saved = nbformat.read(out, 4)
    nbformat.validate(saved)
    assert saved.cells[0].outputs[0].text == "first\n"
    assert saved.cells[1].metadata.folio.status == "interrupted"
    assert saved.metadata.folio.run.status == "interrupted"


def test_cell_timeout_and_run_timeout(write_nb) -> None:
    src = write_nb("t.ipynb", "print(1)", "import time; time.sleep(30)")
    t0 = time.monotonic()
    res = run_notebook(src, None, cell_timeout=1, raise_on_error=False)
    assert res.record.status == "timeout" and "cell 2" in res.record.message
    res2 = run_notebook(src, None, timeout=2, raise_on_error=False)
    assert res2.record.status == "timeout" and res2.record.cells[1].status == "timeout"
    assert time.monotonic() - t0 < 25


def test_dead_kernel_is_reported(write_nb) -> None:
    src = write_nb("d.ipynb", "print('x')", "import os; os._exit(1)", "print('y')")
    res = run_notebook(src, None, raise_on_error=False)
    assert res.record.status == "dead-kernel" and "cell 2" in res.record.message
    assert res.notebook.cells[0].outputs[0].text == "x\n"


def test_pool_runs_parameter_sets_concurrently_each_on_a_fresh_kernel(write_nb) -> None:
    src = write_nb("pool.ipynb", "import os\nprint(a, os.getpid())\nleak = globals().get('leak', 0) + 1\nprint(leak)",
                   params="a = 0")

    async def scenario() -> list:
        async with KernelPool(2) as pool:
            for _ in range(3):
                pool.expect("python3", src.parent)
            return await asyncio.gather(*[arun_notebook(src, None, {"a": i}, pool=pool) for i in range(3)])

    results = asyncio.run(scenario())
    lines = [r.notebook.cells[2].outputs[0].text.split() for r in results]
    assert [ln[0] for ln in lines] == ["0", "1", "2"]
    assert len({ln[1] for ln in lines}) == 3  # three kernel processes
    assert all(ln[2] == "1" for ln in lines)  # no state carried over


def test_environment_sidecar_keeps_only_the_hash_in_the_notebook(write_nb, tmp_path: Path) -> None:
    src = write_nb("env.ipynb", "print(1)")
    out = tmp_path / "env.out.ipynb"
    res = run_notebook(src, out, environment="sidecar")
    env = nbformat.read(out, 4).metadata.folio.run.environment
    assert "packages" not in env and env["packages_hash"].startswith("sha256:")
    listed = (tmp_path / "env.out.ipynb.packages.txt").read_text().splitlines()
    assert len(listed) == env["packages_count"] and any(p.startswith("ipykernel==") for p in listed)
    assert res.record.environment["packages_hash"] == env["packages_hash"]
