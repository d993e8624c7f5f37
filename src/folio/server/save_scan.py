"""Secret scan of notebooks after each save (metric M6), off the request path and off the server's GIL.

A save returns first; the saved file is then scanned in a low-priority child process with the same
detector as ``folio scan`` (regex work over every line: in a thread it would slow every request of
the server). Findings are counted by kind and logged by place (cell and line, never the secret).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from folio.observability.metrics import Metrics

log = logging.getLogger("folio.contents")

# Scanning is regex work over every line; huge notebooks are mostly images and long outputs.
MAX_SCAN_BYTES = 20 * 1024 * 1024


def _lower_priority() -> None:
    try:
        os.nice(10)
    except OSError:
        pass


def scan_file(api_path: str, os_path: str) -> list[tuple[str, str]]:
    """(kind, where) of each secret in a saved notebook; runs in the child process."""
    import orjson

    from folio.notebook.secrets import _Detector, scan_notebook

    p = Path(os_path)
    if p.stat().st_size > MAX_SCAN_BYTES:
        return []
    nb = orjson.loads(p.read_bytes())
    with _Detector() as detector:
        return [(f.kind, f"{f.location()}: {f.kind}") for f in scan_notebook(nb, api_path, detector)]


class SaveScanner:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._pool: ProcessPoolExecutor | None = None
        self._queued: set[str] = set()
        #: Each finished scan: (api path, [(kind, where)]); tests and hooks read it.
        self.results: list[tuple[str, list[tuple[str, str]]]] = []

    def submit(self, api_path: str, os_path: Path) -> None:
        if api_path in self._queued:  # autosave while the last scan of this file still waits: one scan will do
            return
        if self._pool is None:
            # spawn, not fork: a forked child would inherit the server's listening socket and keep the port
            # taken after the server exits.
            self._pool = ProcessPoolExecutor(max_workers=1, initializer=_lower_priority,
                                             mp_context=multiprocessing.get_context("spawn"))
        self._queued.add(api_path)
        fut = asyncio.get_running_loop().run_in_executor(self._pool, scan_file, api_path, str(os_path))
        fut.add_done_callback(lambda f: self._done(api_path, f))

    def _done(self, api_path: str, fut: Any) -> None:
        self._queued.discard(api_path)
        try:
            findings = fut.result()
        except Exception as e:  # a file deleted or rewritten meanwhile: nothing to report
            log.debug("save scan skipped", extra={"path": api_path, "error": str(e)})
            return
        for kind, _ in findings:
            self.metrics.secrets_detected.labels(kind).inc()
        if findings:
            log.warning("secrets found in a saved notebook",
                        extra={"path": api_path, "count": len(findings), "where": [w for _, w in findings[:20]]})
        self.results.append((api_path, findings))
        del self.results[:-100]

    def stop(self) -> None:
        if self._pool is not None:
            procs = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for proc in procs:  # a scan still running is not worth waiting for at shutdown
                proc.kill()
