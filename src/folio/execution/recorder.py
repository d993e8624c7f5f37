"""Server-side outputs: the server records a running cell's outputs and writes them into the .ipynb.

JupyterLab (and folio's UI) name the cell in ``execute_request.metadata.cellId``; the notebook is the
path of the kernel's notebook session. So any client that does the same gets its outputs kept when its
tab closes or its network drops: with ``record_outputs="disconnected"`` (the default) the recorder writes
only while no client is connected to the kernel, so a connected editor — which saves its own document —
never sees its file change under it. Writes are debounced, atomic, and cut oversized outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio
import orjson

from folio.kernels.wire import RawMessage
from folio.notebook.outputs import CellOutputs, cut_outputs
from folio.settings import Settings

log = logging.getLogger("folio.execution")


class NotebookStore(Protocol):
    def get(self, api_path: str, *, content: bool = ..., type: str | None = ...) -> dict[str, Any]: ...

    def save(self, model: dict[str, Any], api_path: str) -> tuple[dict[str, Any], bool]: ...


@dataclass
class Run:
    path: str
    cell_id: str
    cell: CellOutputs = field(default_factory=CellOutputs)
    done: bool = False


class OutputRecorder:
    def __init__(self, settings: Settings, contents: NotebookStore, notebook_for_kernel: Any,
                 metrics: Any = None) -> None:
        self.settings = settings
        self.contents = contents
        #: kernel id -> API path of its notebook session, or None
        self.notebook_for_kernel = notebook_for_kernel
        self.metrics = metrics
        self._flushers: dict[str, asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._dirty: set[str] = set()
        self.taps: dict[str, KernelTap] = {}

    def attach(self, mk: Any) -> None:
        if self.settings.record_outputs == "off":
            return
        tap = KernelTap(self, mk.id, mk.bridge)
        mk.bridge.taps.append(tap)
        self.taps[mk.id] = tap

    def schedule(self, tap: KernelTap, path: str, delay: float | None = None) -> None:
        if self.settings.record_outputs == "disconnected" and tap.bridge.connections:
            return
        self._dirty.add(path)
        t = self._flushers.get(path)
        if t is None or t.done():
            self._flushers[path] = asyncio.create_task(
                self._flush_later(tap, path, self.settings.record_outputs_interval if delay is None else delay))

    async def _flush_later(self, tap: KernelTap, path: str, delay: float) -> None:
        # Keep writing while changes keep coming: a change that lands during a write is written next round.
        while path in self._dirty:
            await asyncio.sleep(delay)
            self._dirty.discard(path)
            await self._flush(tap, path)
            delay = self.settings.record_outputs_interval

    async def _flush(self, tap: KernelTap, path: str) -> None:
        lock = self._locks.setdefault(path, asyncio.Lock())
        async with lock:
            runs = [r for r in tap.runs.values() if r.path == path]
            if not runs:
                return
            done_before = {m for m, r in tap.runs.items() if r.path == path and r.done}
            snapshot = [(r.cell_id, r.cell.for_notebook(), r.cell.execution_count) for r in runs]
            try:
                await anyio.to_thread.run_sync(self._write, path, snapshot)
            except Exception as e:  # the notebook may have been deleted or made invalid meanwhile
                log.warning("could not write server-side outputs", extra={"path": path, "error": str(e)})
                return
            # Only runs that had finished before this write took its snapshot are complete on disk.
            for mid in done_before:
                tap.runs.pop(mid, None)

    async def flush_all(self) -> None:
        for t in list(self._flushers.values()):
            with contextlib.suppress(Exception):
                await t

    def _write(self, path: str, snapshot: list[tuple[str, list[dict[str, Any]], int | None]]) -> None:
        model = self.contents.get(path, content=True, type="notebook")
        nb = model["content"]
        by_id = {c.get("id"): c for c in nb.get("cells", []) if c.get("cell_type") == "code"}
        changed = False
        for cell_id, outputs, count in snapshot:
            cell = by_id.get(cell_id)
            if cell is None:  # deleted from the document meanwhile
                continue
            cell["outputs"], cut = cut_outputs(
                outputs, self.settings.output_max_bytes, self.settings.cell_output_max_bytes,
                self._overflow_writer(path, cell_id) if self.settings.output_overflow_files else None)
            if cut and self.metrics is not None:
                self.metrics.outputs_truncated.inc(len(cut))
            cell["execution_count"] = count
            changed = True
        if changed:
            self.contents.save({"type": "notebook", "format": "json", "content": nb}, path)
            log.info("server-side outputs written", extra={"path": path, "cells": len(snapshot)})

    def _overflow_writer(self, path: str, cell_id: str):  # type: ignore[no-untyped-def]
        folder = path[: -len(".ipynb")] + ".outputs" if path.endswith(".ipynb") else path + ".outputs"

        def keep(index: int, out: dict[str, Any]) -> str | None:
            is_text = out.get("output_type") == "stream"
            name = f"{folder}/{cell_id}-{index}.{'txt' if is_text else 'json'}"
            text = out.get("text", "")
            body = ("".join(text) if isinstance(text, list) else text) if is_text else \
                orjson.dumps(out, option=orjson.OPT_INDENT_2).decode()
            try:
                self.contents.save({"type": "directory"}, folder)
                self.contents.save({"type": "file", "format": "text", "content": body}, name)
            except Exception as e:
                log.warning("could not keep a cut output", extra={"path": name, "error": str(e)})
                return None
            return name

        return keep


class KernelTap:
    """Watches one kernel's traffic for execute requests that name a cell, and records their outputs."""

    def __init__(self, recorder: OutputRecorder, kernel_id: str, bridge: Any) -> None:
        self.recorder = recorder
        self.kernel_id = kernel_id
        self.bridge = bridge
        self.runs: dict[str, Run] = {}

    def client_message(self, msg: RawMessage) -> None:
        if msg.channel != "shell" or msg.msg_type != "execute_request":
            return
        try:
            cell_id = orjson.loads(msg.metadata).get("cellId")
        except (orjson.JSONDecodeError, AttributeError):
            return
        if not isinstance(cell_id, str):
            return
        path = self.recorder.notebook_for_kernel(self.kernel_id)
        if path:
            self.runs[msg.msg_id] = Run(path, cell_id)
            if len(self.runs) > 10_000:  # a client that never lets cells finish must not grow this forever
                self.runs.pop(next(iter(self.runs)))

    def kernel_message(self, msg: RawMessage) -> None:
        if not self.runs or msg.channel not in ("iopub", "shell"):
            return
        try:
            parent = orjson.loads(msg.parent_header)
            run = self.runs.get(parent.get("msg_id", "")) if isinstance(parent, dict) else None
        except orjson.JSONDecodeError:
            return
        if run is None:
            return
        mtype = msg.msg_type
        if msg.channel == "shell":
            if mtype == "execute_reply":
                count = orjson.loads(msg.content).get("execution_count")
                run.cell.execution_count = count if count is not None else run.cell.execution_count
            return
        if mtype == "status":
            if orjson.loads(msg.content).get("execution_state") == "idle":
                run.done = True
                if self.bridge.connections and self.recorder.settings.record_outputs == "disconnected":
                    # A connected client has every output and saves its own document.
                    self.runs = {m: r for m, r in self.runs.items() if r is not run}
                else:
                    self.recorder.schedule(self, run.path, delay=0.05)
            return
        if run.cell.apply(mtype, orjson.loads(msg.content)):
            self.recorder.schedule(self, run.path)

    def clients_changed(self, count: int) -> None:
        if count == 0:
            for path in {r.path for r in self.runs.values()}:
                self.recorder.schedule(self, path, delay=0.05)
