"""A pool of fresh kernels for headless runs.

Every run gets a kernel nobody used before (so no state leaks between notebooks or parameter sets), but the
pool starts the next kernels while the current runs execute, so kernel start-up leaves the critical path.
Kernels are started through ``folio.kernels.launch``, the same code the server uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager

from folio.errors import KernelUnavailable
from folio.kernels import launch

Key = tuple[str, str | None]


@dataclass
class KernelHandle:
    """A started, responsive kernel with its client and its kernel_info reply content."""

    name: str
    cwd: str | None
    km: AsyncKernelManager
    kc: AsyncKernelClient
    info: dict[str, Any] = field(default_factory=dict)
    started_in: float = 0.0


async def start_ready_kernel(
    kernel_name: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> KernelHandle:
    """Start a kernel, wait until it answers, and fetch its kernel_info (language and version)."""
    t0 = time.monotonic()
    km = await launch.start_kernel(kernel_name, cwd=cwd, env=env)
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=startup_timeout)
        msg_id = kc.kernel_info()
        info: dict[str, Any] = {}
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            reply = await kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                info = reply["content"]
                break
    except BaseException as e:
        kc.stop_channels()
        with contextlib.suppress(Exception):
            await km.shutdown_kernel(now=True)
        if isinstance(e, asyncio.CancelledError | KeyboardInterrupt):
            raise
        raise KernelUnavailable(kernel_name, f"did not become ready: {type(e).__name__}: {e}") from e
    return KernelHandle(kernel_name, str(cwd) if cwd else None, km, kc, info, time.monotonic() - t0)


async def stop_kernel(handle: KernelHandle, *, now: bool = False) -> None:
    handle.kc.stop_channels()
    with contextlib.suppress(Exception):
        await handle.km.shutdown_kernel(now=now)


class KernelPool:
    """Hands out fresh kernels; ``expect()`` tells it how many runs are coming so it can start them early."""

    def __init__(self, size: int = 1, *, env: Mapping[str, str] | None = None, startup_timeout: float = 60.0):
        self.size = max(1, size)
        self.env = dict(env) if env else None
        self.startup_timeout = startup_timeout
        self._spares: dict[Key, list[asyncio.Task[KernelHandle]]] = {}
        self._demand: Counter[Key] = Counter()
        self._stopping: set[asyncio.Task[None]] = set()
        self._abandoned: list[asyncio.Future[KernelHandle]] = []

    def expect(self, kernel_name: str, cwd: str | Path | None, count: int = 1) -> None:
        key = (kernel_name, str(cwd) if cwd else None)
        self._demand[key] += count
        self._top_up(key)

    def _top_up(self, key: Key) -> None:
        spares = self._spares.setdefault(key, [])
        while len(spares) < min(self.size, self._demand[key]):
            spares.append(asyncio.ensure_future(self._start(key)))

    def _start(self, key: Key) -> asyncio.Future[KernelHandle]:
        return asyncio.ensure_future(start_ready_kernel(key[0], key[1], self.env, self.startup_timeout))

    async def acquire(self, kernel_name: str, cwd: str | Path | None) -> KernelHandle:
        key = (kernel_name, str(cwd) if cwd else None)
        spares = self._spares.setdefault(key, [])
        if self._demand[key] > 0:
            self._demand[key] -= 1
        task = spares.pop(0) if spares else self._start(key)
        self._top_up(key)
        try:
            # shielded: a cancel (SIGTERM) mid-launch must not abandon a kernel process half started
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._abandoned.append(task)
            raise

    def release(self, handle: KernelHandle, *, now: bool = False) -> None:
        """Shut the kernel down in the background; ``close()`` waits for every shutdown."""
        t = asyncio.ensure_future(stop_kernel(handle, now=now))
        self._stopping.add(t)
        t.add_done_callback(self._stopping.discard)

    async def close(self) -> None:
        spares = [t for ts in self._spares.values() for t in ts] + self._abandoned
        self._spares.clear()
        self._abandoned = []
        # Spares are awaited, not cancelled: a cancel mid-launch could orphan a kernel process.
        for t in spares:
            try:
                handle = await t
            except BaseException:  # noqa: S112 - a spare that failed or was cancelled has nothing to stop
                continue
            self.release(handle, now=True)
        if self._stopping:
            await asyncio.gather(*list(self._stopping), return_exceptions=True)

    async def __aenter__(self) -> KernelPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.shield(self.close())
