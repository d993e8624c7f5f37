"""Progress displays for ``folio run``: a redrawn bar on a terminal, plain log lines otherwise, JSON lines for
machines, or nothing. They receive the runner's events (``folio.execution.runner.Progress``)."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from typing import Any, TextIO

from folio.execution.record import CellRecord, RunRecord


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class QuietProgress:
    def run_started(self, record: RunRecord) -> None: ...
    def cell_started(self, record: RunRecord, cell: CellRecord, n: int) -> None: ...
    def cell_finished(self, record: RunRecord, cell: CellRecord, n: int) -> None: ...
    def run_finished(self, record: RunRecord) -> None: ...


class LogProgress(QuietProgress):
    """One line per event, for CI logs and pipes."""

    def __init__(self, labels: dict[int, str], stream: TextIO | None = None) -> None:
        self.labels, self.stream = labels, stream or sys.stderr

    def _label(self, record: RunRecord) -> str:
        return self.labels.get(id(record), record.input_path)

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def run_started(self, record: RunRecord) -> None:
        self._say(f"{self._label(record)}: started on kernel {record.kernel_name}, {record.cells_total} cells")

    def cell_started(self, record: RunRecord, cell: CellRecord, n: int) -> None:
        self._say(f"{self._label(record)}: cell {n}/{record.cells_total} [{cell.index + 1}] {cell.first_line}")

    def run_finished(self, record: RunRecord) -> None:
        self._say(f"{self._label(record)}: {record.status} in {record.duration:.2f}s")


class JsonProgress(LogProgress):
    """JSON lines on stdout: an event per cell, and the whole run record at the end of each run."""

    def __init__(self, labels: dict[int, str], stream: TextIO | None = None) -> None:
        super().__init__(labels, stream or sys.stdout)
        self._lock = threading.Lock()

    def _emit(self, obj: dict[str, Any]) -> None:
        with self._lock:
            print(json.dumps(obj, default=str), file=self.stream, flush=True)

    def run_started(self, record: RunRecord) -> None:
        self._emit({"event": "run_started", "notebook": self._label(record), "kernel": record.kernel_name,
                    "cells": record.cells_total})

    def cell_started(self, record: RunRecord, cell: CellRecord, n: int) -> None: ...

    def cell_finished(self, record: RunRecord, cell: CellRecord, n: int) -> None:
        self._emit({"event": "cell_finished", "notebook": self._label(record), "n": n, "total": record.cells_total,
                    "index": cell.index, "id": cell.cell_id, "status": cell.status, "duration": cell.duration})

    def run_finished(self, record: RunRecord) -> None:
        self._emit({"event": "run_finished", "notebook": self._label(record), "record": record.to_dict()})


class BarProgress(QuietProgress):
    """A single redrawn status line: cells done/total, elapsed, and the running cell's first line."""

    def __init__(self, labels: dict[int, str], total_runs: int, stream: TextIO | None = None) -> None:
        self.labels, self.total_runs, self.stream = labels, total_runs, stream or sys.stderr
        self.t0 = time.monotonic()
        self.runs: dict[int, RunRecord] = {}
        self.current: tuple[str, str] = ("", "")
        self.finished = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _tick(self) -> None:  # keeps the elapsed clock moving during long cells
        while not self._stop.wait(0.5):
            self._draw()

    def _draw(self) -> None:
        with self._lock:
            done = sum(r.cells_run for r in self.runs.values())
            total = sum(r.cells_total for r in self.runs.values()) or 1
            width = 24
            fill = int(width * done / total)
            bar = "#" * fill + "-" * (width - fill)
            runs = f" runs {self.finished}/{self.total_runs}" if self.total_runs > 1 else ""
            label, line = self.current
            head = f"[{bar}] {done}/{total} cells{runs} {_clock(time.monotonic() - self.t0)} "
            tail = f"{label}: {line}" if label else ""
            cols = shutil.get_terminal_size((100, 20)).columns
            text = (head + tail)[: cols - 1]
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()

    def run_started(self, record: RunRecord) -> None:
        self.runs[id(record)] = record
        self._draw()

    def cell_started(self, record: RunRecord, cell: CellRecord, n: int) -> None:
        self.current = (self.labels.get(id(record), record.input_path), cell.first_line)
        self._draw()

    def cell_finished(self, record: RunRecord, cell: CellRecord, n: int) -> None:
        self._draw()

    def run_finished(self, record: RunRecord) -> None:
        self.finished += 1
        self._draw()

    def close(self) -> None:
        self._stop.set()
        self._ticker.join(1)
        with self._lock:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
