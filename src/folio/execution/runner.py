"""Run a notebook headlessly, cell by cell, on a kernel from the kernels layer.

nbclient does the message handling (outputs, display updates, widgets, timeouts); this module owns the loop
around it: parameters, a fresh kernel from the pool, per-cell records, progress events, and an output
notebook written as the run goes so a failure or a kill leaves every output produced so far on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from folio.errors import CellExecutionFailed, ExecutionTimeout, FolioError, KernelDied
from folio.execution import params as params_mod
from folio.execution.envinfo import environment_info
from folio.execution.pool import KernelHandle, KernelPool
from folio.execution.record import CellError, CellRecord, RunRecord, now_iso
from folio.kernels import launch
from folio.notebook.nbio import atomic_write_text, dumps_notebook, read_notebook

EnvMode = Literal["inline", "sidecar", "none"]
RAISES_TAG = "raises-exception"


class Progress(Protocol):
    """Receives run events; the CLI turns them into a progress bar, log lines or JSON."""

    def run_started(self, record: RunRecord) -> None: ...
    def cell_started(self, record: RunRecord, cell: CellRecord, n: int) -> None: ...
    def cell_finished(self, record: RunRecord, cell: CellRecord, n: int) -> None: ...
    def run_finished(self, record: RunRecord) -> None: ...


@dataclass
class RunResult:
    notebook: nbformat.NotebookNode
    record: RunRecord

    @property
    def ok(self) -> bool:
        return self.record.ok


class NotebookRunFailed(FolioError):
    """``run_notebook(raise_on_error=True)`` failed; ``.result`` holds the partial notebook and its record."""

    def __init__(self, result: RunResult, cause: FolioError) -> None:
        super().__init__(str(cause), reason=cause.reason)
        self.result = result
        self.cause = cause


class _Client(NotebookClient):
    """nbclient's client, telling the saver whenever an output arrives so partial outputs reach the disk."""

    on_output_hook: Any = None
    on_stream: Any = None

    def process_message(self, msg: dict[str, Any], cell: nbformat.NotebookNode, cell_index: int) -> Any:
        out = super().process_message(msg, cell, cell_index)
        kind = msg.get("msg_type")
        if self.on_output_hook is not None and kind not in ("status", "execute_input"):
            self.on_output_hook()
        if self.on_stream is not None and kind == "stream":
            self.on_stream(msg["content"].get("name", "stdout"), msg["content"].get("text", ""))
        return out


class _Saver:
    """Writes the output notebook at most every ``interval`` seconds while dirty, and at once on ``flush``."""

    def __init__(self, path: Path | None, nb: nbformat.NotebookNode, interval: float) -> None:
        self.path, self.nb, self.interval = path, nb, interval
        self.dirty = False
        self.last_save = 0.0
        self.saved_once = False
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.before_save: Any = None

    def mark(self) -> None:
        self.dirty = True

    async def flush(self) -> None:
        if self.path is None:
            return
        async with self._lock:
            self.dirty = False
            if self.before_save:
                self.before_save()
            text = dumps_notebook(self.nb)  # on the loop: the notebook is only mutated here
            await asyncio.to_thread(atomic_write_text, self.path, text)
            self.last_save = time.monotonic()
            self.saved_once = True

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.dirty:
                await self.flush()

    def start(self) -> None:
        if self.path is not None:
            self._task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def _executable(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and bool(cell.source.strip())


def prepare_notebook(
    source: str | Path | nbformat.NotebookNode,
    parameters: Mapping[str, Any] | None = None,
    kernel_name: str | None = None,
    report_mode: bool = False,
) -> tuple[nbformat.NotebookNode, str]:
    """Load (a copy of) the notebook, inject parameters, clear stale outputs; returns it and its kernel name."""
    nb = read_notebook(source) if isinstance(source, str | Path) else copy.deepcopy(source)
    nb_kernel, _ = params_mod.notebook_language(nb)
    name = kernel_name or nb_kernel or default_kernel()
    if parameters:
        nb = params_mod.parameterize(nb, parameters, kernel_name=name, report_mode=report_mode)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("folio", None)
        cell.metadata.pop("execution", None)
    return nb, name


def default_kernel() -> str:
    try:
        from folio.settings import Settings

        return Settings().default_kernel
    except Exception:  # an invalid folio.toml must not stop a headless run that names no kernel
        return "python3"


async def arun_notebook(
    source: str | Path | nbformat.NotebookNode,
    output: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    *,
    kernel_name: str | None = None,
    cwd: str | Path | None = None,
    cell_timeout: float | None = None,
    timeout: float | None = None,  # noqa: ASYNC109 - a run limit, applied with asyncio.timeout
    allow_errors: bool = False,
    progress: Progress | None = None,
    environment: EnvMode = "inline",
    pool: KernelPool | None = None,
    autosave_interval: float = 0.25,
    startup_timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    report_mode: bool = False,
    on_stream: Callable[[str, str], None] | None = None,
    label: str | None = None,
) -> RunResult:
    """Execute a notebook; always returns the (possibly partial) notebook and its record, never raises for a
    failed cell. ``output`` is written as the run goes; ``on_stream(name, text)`` sees stdout/stderr live;
    ``label`` names an in-memory notebook in messages. Kernel start failures raise KernelUnavailable."""
    input_name = str(source) if isinstance(source, str | Path) else (label or "<notebook>")
    nb, name = prepare_notebook(source, parameters, kernel_name, report_mode)
    if cwd is None and isinstance(source, str | Path):
        cwd = Path(source).resolve().parent  # where the author's relative paths point, as in Jupyter  # noqa: ASYNC240
    out_path = Path(output) if output is not None else None
    record = RunRecord(
        input_path=input_name, output_path=str(out_path) if out_path else None, parameters=dict(parameters or {}),
        kernel_name=name, cwd=str(cwd) if cwd else None,
    )
    for i, cell in enumerate(nb.cells):
        if _executable(cell):
            record.cells.append(CellRecord(i, cell.get("id"), _first_line(cell.source)))
    record.cells_total = len(record.cells)

    saver = _Saver(out_path, nb, autosave_interval)

    def sync_metadata() -> None:
        nb.metadata.setdefault("folio", {})["run"] = record.metadata()

    saver.before_save = sync_metadata
    own_pool = pool is None
    pool = pool or KernelPool(1, env=env, startup_timeout=startup_timeout)
    if own_pool:
        pool.expect(name, cwd)
    t0 = time.monotonic()
    record.start_time = now_iso()
    record.status = "running"
    handle: KernelHandle | None = None
    kill_kernel = False
    # Listing installed packages takes a few hundred ms: do it in a thread while the kernel starts.
    env_job = asyncio.ensure_future(asyncio.to_thread(_environment, name)) if environment != "none" else None
    try:
        handle = await pool.acquire(name, cwd)
        _describe_kernel(nb, record, handle)
        if env_job is not None:
            info = await env_job
            record.environment = info if environment == "inline" else {k: v for k, v in info.items()
                                                                         if k != "packages"}
            if environment == "sidecar" and out_path is not None:
                text = "\n".join(info.get("packages", [])) + "\n"
                await asyncio.to_thread(atomic_write_text, out_path.with_name(out_path.name + ".packages.txt"), text)
        if progress:
            progress.run_started(record)
        await saver.flush()
        saver.start()
        client = _Client(
            nb, km=handle.km, kernel_name=name, timeout=cell_timeout, allow_errors=True,
            interrupt_on_timeout=False, record_timing=False, startup_timeout=int(startup_timeout),
            resources={"metadata": {"path": str(cwd) if cwd else None}},
        )
        client.kc = handle.kc
        client.reset_execution_trackers()
        client.on_output_hook = saver.mark
        client.on_stream = on_stream
        try:
            async with asyncio.timeout(timeout):
                kill_kernel = not await _run_cells(client, nb, record, progress, saver, allow_errors, input_name)
        except TimeoutError:
            cur = next((c for c in record.cells if c.status == "running"), None)
            _finish_cell(cur, "timeout")
            record.status = "timeout"
            record.message = str(ExecutionTimeout(input_name, "the run", timeout or 0,
                                                  cur.index if cur else None))
            kill_kernel = True
        client.set_widgets_metadata()
    except asyncio.CancelledError:
        record.status = "interrupted"
        record.message = f"{input_name}: run interrupted"
        cur = next((c for c in record.cells if c.status == "running"), None)
        _finish_cell(cur, "interrupted")
        kill_kernel = True
        raise
    except FolioError as e:  # the kernel could not start: nothing ran
        record.status = "error"
        record.message = str(e)
        raise
    finally:
        record.end_time = now_iso()
        record.duration = round(time.monotonic() - t0, 3)
        for c in record.cells:
            if c.status == "running":
                _finish_cell(c, "interrupted")
        if record.status == "running":
            record.status = "ok"
        for c in record.cells:
            nb.cells[c.index].metadata["folio"] = c.metadata()
        await saver.stop()
        if saver.saved_once:
            await asyncio.shield(saver.flush())
        if handle is not None:
            pool.release(handle, now=kill_kernel)
        if own_pool:
            await asyncio.shield(pool.close())
        if progress:
            progress.run_finished(record)
    return RunResult(nb, record)


def _environment(kernel_name: str) -> dict[str, Any]:
    try:
        argv = launch.kernel_spec_manager().get_kernel_spec(kernel_name).argv
    except Exception:  # an unknown spec fails later, at start, with a better message
        argv = None
    return environment_info(argv)


def _describe_kernel(nb: nbformat.NotebookNode, record: RunRecord, handle: KernelHandle) -> None:
    info = handle.info or {}
    li = info.get("language_info") or {}
    if li:
        nb.metadata["language_info"] = li
    spec = handle.km.kernel_spec
    if spec is not None:
        ks = nb.metadata.get("kernelspec") or {}
        if ks.get("name") != handle.name:
            nb.metadata["kernelspec"] = {"name": handle.name, "display_name": spec.display_name,
                                         "language": spec.language}
    record.kernel = {
        "name": handle.name,
        "language": li.get("name"),
        "language_version": li.get("version"),
        "implementation": info.get("implementation"),
        "implementation_version": info.get("implementation_version"),
        "protocol_version": info.get("protocol_version"),
        "startup_seconds": round(handle.started_in, 3),
    }


def _finish_cell(cell: CellRecord | None, status: Any) -> None:
    if cell is None:
        return
    cell.status = status
    cell.end_time = now_iso()
    if cell.start_time is not None and cell.duration is None:
        cell.duration = round(time.monotonic() - cell._t0, 3)  # type: ignore[attr-defined]


async def _run_cells(
    client: _Client,
    nb: nbformat.NotebookNode,
    record: RunRecord,
    progress: Progress | None,
    saver: _Saver,
    allow_errors: bool,
    input_name: str,
) -> bool:
    """Execute every code cell in order; False when the kernel is no longer usable (timeout, death)."""
    replies: dict[int, dict[str, Any]] = {}

    def on_executed(cell: Any, cell_index: int, execute_reply: dict[str, Any] | None) -> None:
        if execute_reply is not None:
            replies[cell_index] = execute_reply

    client.on_cell_executed = on_executed
    for n, crec in enumerate(record.cells, start=1):
        cell = nb.cells[crec.index]
        crec.start_time = now_iso()
        crec._t0 = time.monotonic()  # type: ignore[attr-defined]
        crec.status = "running"
        nb.cells[crec.index].metadata["folio"] = crec.metadata()
        if progress:
            progress.cell_started(record, crec, n)
        try:
            await client.async_execute_cell(cell, crec.index, execution_count=client.code_cells_executed + 1)
        except CellTimeoutError:
            _finish_cell(crec, "timeout")
            record.status = "timeout"
            record.message = str(ExecutionTimeout(input_name, "a cell", client.timeout or 0, crec.index))
            _mark_failed(nb, crec)
            return False
        except DeadKernelError as e:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # nbclient reports any cancellation of its polling as a dead kernel; ours was a cancel
                # (a signal or the run timeout), which must propagate as one.
                raise asyncio.CancelledError from e
            _finish_cell(crec, "dead-kernel")
            record.status = "dead-kernel"
            record.message = f"{input_name}: cell {crec.index + 1}: " + str(KernelDied(record.kernel_name, str(e)))
            _mark_failed(nb, crec)
            return False
        reply = (replies.pop(crec.index, None) or {}).get("content", {})
        failed = reply.get("status") == "error"
        _finish_cell(crec, "error" if failed else "ok")
        record.cells_run = n
        nb.cells[crec.index].metadata["folio"] = crec.metadata()
        if progress:
            progress.cell_finished(record, crec, n)
        if failed:
            err = CellError(crec.index, crec.cell_id, cell.get("execution_count"), reply.get("ename", "Error"),
                            reply.get("evalue", ""), list(reply.get("traceback", [])))
            tolerated = allow_errors or RAISES_TAG in cell.metadata.get("tags", [])
            if record.error is None and not tolerated:
                record.error = err
            if not tolerated:
                record.status = "error"
                record.message = str(CellExecutionFailed(input_name, err.cell_index, err.cell_id, err.ename,
                                                         err.evalue, err.traceback, err.execution_count))
                _mark_failed(nb, crec)
                return True
        saver.mark()
        if time.monotonic() - saver.last_save > saver.interval:
            await saver.flush()
    return True


def _mark_failed(nb: nbformat.NotebookNode, crec: CellRecord) -> None:
    """Tag the cell that stopped the run so a reader (or ``folio lint``) finds it without the metadata."""
    tags = nb.cells[crec.index].metadata.setdefault("tags", [])
    if "folio-failed" not in tags:
        tags.append("folio-failed")


def failure_of(result: RunResult) -> FolioError | None:
    """The error that describes a failed run, None when it went fine."""
    r = result.record
    if r.ok:
        return None
    if r.status == "error" and r.error:
        e = r.error
        return CellExecutionFailed(r.input_path, e.cell_index, e.cell_id, e.ename, e.evalue, e.traceback,
                                   e.execution_count)
    return FolioError(r.message or f"{r.input_path}: run {r.status}", reason=r.status)


def run_notebook(
    source: str | Path | nbformat.NotebookNode,
    output: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    *,
    raise_on_error: bool = True,
    **kwargs: Any,
) -> RunResult:
    """Run a notebook and return ``RunResult(notebook, record)``. With ``raise_on_error`` a failed run raises
    NotebookRunFailed, whose ``.result`` still holds the partial notebook; see ``arun_notebook`` for options."""
    result = asyncio.run(arun_notebook(source, output, parameters, **kwargs))
    err = failure_of(result)
    if err is not None and raise_on_error:
        raise NotebookRunFailed(result, err)
    return result
