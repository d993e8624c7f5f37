"""Secret scan of notebooks after each save (metric M6), off the request path.

A save returns first; a single worker thread then scans the saved file with the same detector as
``folio scan``, counts findings by kind and logs where they are (cell and line, never the secret).
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any

from folio.observability.metrics import Metrics

log = logging.getLogger("folio.contents")

# Scanning is regex work over every line; huge notebooks are mostly images and long outputs.
MAX_SCAN_BYTES = 20 * 1024 * 1024


class SaveScanner:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._queue: queue.Queue[tuple[str, Path] | None] = queue.Queue(maxsize=256)
        self._thread: threading.Thread | None = None
        #: Each finished scan: (api path, findings); tests and hooks read it.
        self.results: list[tuple[str, list[Any]]] = []

    def submit(self, api_path: str, os_path: Path) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="folio-save-scan", daemon=True)
            self._thread.start()
        try:
            self._queue.put_nowait((api_path, os_path))
        except queue.Full:
            log.warning("secret scan queue full; skipped", extra={"path": api_path})

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)

    def _run(self) -> None:
        from folio.notebook.secrets import _Detector, scan_notebook

        while True:
            item = self._queue.get()
            if item is None:
                return
            api_path, os_path = item
            try:
                if os_path.stat().st_size > MAX_SCAN_BYTES:
                    continue
                import orjson

                nb = orjson.loads(os_path.read_bytes())
                with _Detector() as detector:
                    findings = scan_notebook(nb, api_path, detector)
            except Exception as e:  # a file deleted or rewritten meanwhile: nothing to report
                log.debug("save scan skipped", extra={"path": api_path, "error": str(e)})
                continue
            for f in findings:
                self.metrics.secrets_detected.labels(f.kind).inc()
            if findings:
                log.warning("secrets found in a saved notebook", extra={
                    "path": api_path, "count": len(findings),
                    "where": [f"{f.location()}: {f.kind}" for f in findings[:20]]})
            self.results.append((api_path, findings))
            del self.results[:-100]
