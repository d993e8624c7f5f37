"""Warm kernel pool: kernels started ahead of time so a user's start returns in milliseconds.

A pooled kernel is handed out once and never reused. It was started in the server's root with the
server's environment; for Python kernels the requested cwd and extra environment are applied by a
silent execute before the kernel is handed over. Other languages take the pool only when no cwd/env
change is needed, else they bypass it. Pooled kernels are not listed, counted as active, or culled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from folio.errors import FolioError

if TYPE_CHECKING:
    from folio.kernels.registry import KernelRegistry, ManagedKernel

log = logging.getLogger("folio.kernels")

REFILL_DELAY = 2.0


class KernelPool:
    def __init__(self, registry: KernelRegistry, sizes: dict[str, int]) -> None:
        self.registry = registry
        self.sizes = sizes
        self.ready: dict[str, list[ManagedKernel]] = {name: [] for name in sizes}
        self._filling: dict[str, asyncio.Task[None]] = {}
        self._failures: dict[str, int] = {}

    def start(self) -> None:
        for name in self.sizes:
            self._refill(name)

    async def stop(self) -> None:
        for t in self._filling.values():
            t.cancel()
        for t in list(self._filling.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        for kernels in self.ready.values():
            for mk in kernels:
                await self.registry.dispose(mk)
            kernels.clear()

    def available(self, name: str) -> int:
        return sum(1 for k in self.ready.get(name, []) if k.bridge.ready.is_set())

    def _refill(self, name: str) -> None:
        t = self._filling.get(name)
        if t is None or t.done():
            self._filling[name] = asyncio.create_task(self._fill(name), name=f"pool-{name}")

    async def _fill(self, name: str) -> None:
        settings = self.registry.settings
        while len(self.ready[name]) < self.sizes[name]:
            try:
                mk = await self.registry.launch(name, cwd=str(settings.root_dir))
                await self.registry.wait_ready(mk)
            except FolioError as e:
                # A broken kernelspec must not spin: back off, up to a minute between tries.
                n = self._failures[name] = self._failures.get(name, 0) + 1
                log.warning("warm pool could not start a kernel", extra={"kernel_name": name, "error": str(e)})
                await asyncio.sleep(min(60.0, 2.0**n))
                continue
            self._failures[name] = 0
            if mk.execution_state == "starting":
                mk.execution_state = "idle"
            self.ready[name].append(mk)
            self.registry.metrics.pool_available.labels(name).set(len(self.ready[name]))

    async def take(self, name: str, cwd: str, env: dict[str, str]) -> ManagedKernel | None:
        """A ready pooled kernel set up for ``cwd`` and ``env``, or None (the caller starts one cold)."""
        if name not in self.sizes:
            return None
        kernels = self.ready[name]
        mk = next((k for k in kernels if k.bridge.ready.is_set() and k.execution_state == "idle"), None)
        needs_setup = cwd != mk.cwd or bool(env) if mk else False
        if mk is None or (needs_setup and mk.language != "python"):
            self.registry.metrics.pool_requests.labels(name, "miss").inc()
            return None
        kernels.remove(mk)
        self.registry.metrics.pool_available.labels(name).set(len(kernels))
        # Refill a moment later: a cold start that follows right away (the pool is empty now) gets the CPU
        # to itself instead of racing the replacement for it.
        asyncio.get_running_loop().call_later(REFILL_DELAY, self._refill, name)
        if needs_setup:
            try:
                await self._apply(mk, cwd, env)
            except Exception as e:
                log.warning("pooled kernel setup failed; starting one cold", extra={"error": str(e)})
                await self.registry.dispose(mk, now=True)
                self.registry.metrics.pool_requests.labels(name, "miss").inc()
                return None
        mk.cwd = cwd
        self.registry.metrics.pool_requests.labels(name, "hit").inc()
        log.info("kernel from warm pool", extra={"kernel_id": mk.id, "kernel_name": name, "cwd": cwd})
        return mk

    async def _apply(self, mk: ManagedKernel, cwd: str, env: dict[str, str]) -> None:
        code = f"__import__('os').chdir({cwd!r})\n"
        if env:
            code += f"__import__('os').environ.update({env!r})\n"
        if "JPY_SESSION_NAME" in env:
            code += f"get_ipython().user_ns['__session__'] = {env['JPY_SESSION_NAME']!r}\n"
        reply = await mk.bridge.request("shell", "execute_request", {
            "code": code, "silent": True, "store_history": False, "user_expressions": {}, "allow_stdin": False,
            "stop_on_error": True}, timeout=10)
        import orjson

        status = orjson.loads(reply.content).get("status")
        if status != "ok":
            raise RuntimeError(f"setup code failed: {status}")
