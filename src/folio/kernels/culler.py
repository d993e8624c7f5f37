"""Idle culler: shuts down kernels idle longer than ``cull_idle_timeout``.

Busy kernels are never culled; kernels with a client connected are spared unless ``cull_connected``.
The kernel's clients get a notice on iopub first, and the event is logged and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from folio.kernels.registry import KernelRegistry

log = logging.getLogger("folio.kernels")


class IdleCuller:
    def __init__(self, registry: KernelRegistry, timeout: float, interval: float, cull_connected: bool) -> None:
        self.registry = registry
        self.timeout = timeout
        self.interval = interval
        self.cull_connected = cull_connected
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.timeout > 0:
            self._task = asyncio.create_task(self._run(), name="idle-culler")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(min(self.interval, self.timeout))
            try:
                await self.cull_once()
            except Exception:
                log.exception("idle culler pass failed")

    async def cull_once(self) -> list[str]:
        from folio.kernels.registry import utcnow

        now = utcnow()
        culled = []
        for mk in list(self.registry.kernels.values()):
            if mk.execution_state in ("busy", "starting", "restarting"):
                continue
            if mk.bridge.connections and not self.cull_connected:
                continue
            idle = (now - mk.last_activity).total_seconds()
            if idle < self.timeout:
                continue
            log.info("culling idle kernel", extra={"kernel_id": mk.id, "kernel_name": mk.name,
                                                   "idle_seconds": round(idle), "connections": mk.bridge.connections})
            b = mk.bridge
            b.broadcast(b.make_message("iopub", "stream", {
                "name": "stderr",
                "text": f"folio: this kernel was shut down after {idle:.0f} s idle (cull_idle_timeout).\n"}))
            self.registry.metrics.kernels_culled.labels(mk.name).inc()
            with contextlib.suppress(Exception):
                await self.registry.shutdown(mk.id, reason="culled")
            culled.append(mk.id)
        return culled
