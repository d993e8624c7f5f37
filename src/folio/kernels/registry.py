"""The kernels a server runs: start, list, interrupt, restart, shut down, and watch for deaths.

A ``KernelRegistry`` holds one ``ManagedKernel`` per kernel id; each has a jupyter_client
``AsyncKernelManager`` (the provisioner places the process) and a ``KernelBridge`` for its messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir

from folio.errors import KernelDied, KernelUnavailable, NoSuchKernel, Timeout
from folio.kernels.bridge import UNTRACKED, KernelBridge
from folio.kernels.launch import new_kernel_manager
from folio.kernels.wire import RawMessage
from folio.settings import Settings

log = logging.getLogger("folio.kernels")


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


@dataclass
class ManagedKernel:
    id: str
    name: str
    km: AsyncKernelManager
    bridge: KernelBridge
    cwd: str
    execution_state: str = "starting"
    last_activity: datetime = field(default_factory=utcnow)
    reason: str | None = None
    watcher: asyncio.Task[None] | None = None
    ready_task: asyncio.Task[bool] | None = None
    restarting: bool = False

    def model(self) -> dict[str, Any]:
        m: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "last_activity": iso(self.last_activity),
            "execution_state": self.execution_state,
            "connections": self.bridge.connections,
        }
        if self.reason:
            m["reason"] = self.reason
        return m


class KernelRegistry:
    def __init__(self, settings: Settings, spec_manager: KernelSpecManager | None = None) -> None:
        self.settings = settings
        self.spec_manager = spec_manager or KernelSpecManager()
        self.kernels: dict[str, ManagedKernel] = {}
        self._last_activity = utcnow()
        #: Called with (kernel, event, detail) on lifecycle events; observability hooks in here.
        self.listeners: list[Callable[[ManagedKernel, str, str], None]] = []

    async def start(self) -> None:
        """Server startup hook."""

    # -- queries --------------------------------------------------------------------------------------------------

    def get(self, kernel_id: str) -> ManagedKernel:
        try:
            return self.kernels[kernel_id]
        except KeyError:
            raise NoSuchKernel(kernel_id) from None

    def list_models(self) -> list[dict[str, Any]]:
        return [k.model() for k in self.kernels.values()]

    def total_connections(self) -> int:
        return sum(k.bridge.connections for k in self.kernels.values())

    def last_activity(self) -> datetime:
        return max([self._last_activity, *(k.last_activity for k in self.kernels.values())])

    # -- lifecycle ------------------------------------------------------------------------------------------------

    async def start_kernel(
        self,
        name: str | None = None,
        *,
        cwd: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        kernel_id: str | None = None,
    ) -> ManagedKernel:
        """Launch a kernel and return at once (state ``starting``); readiness is awaited in the background."""
        name = name or self.settings.default_kernel
        kid = kernel_id or str(uuid.uuid4())
        if kid in self.kernels:
            from folio.errors import Conflict

            raise Conflict(f"Kernel already exists: {kid}")
        km = new_kernel_manager(name, self.spec_manager)
        km.kernel_id = kid
        # Named like jupyter_server's, so `jupyter console --existing kernel-<id>.json` finds it.
        runtime = jupyter_runtime_dir()
        os.makedirs(runtime, exist_ok=True)
        km.connection_file = os.path.join(runtime, f"kernel-{kid}.json")
        full_env = {**os.environ, **(env or {})}
        workdir = str(cwd or self.settings.root_dir)
        try:
            await km.start_kernel(cwd=workdir, env=full_env)
        except Exception as e:
            self._emit(None, "start_failed", f"{name}: {type(e).__name__}: {e}")
            log.warning("kernel failed to start", extra={"kernel_name": name, "error": f"{type(e).__name__}: {e}"})
            raise KernelUnavailable(name, f"{type(e).__name__}: {e}") from e
        mk = ManagedKernel(id=kid, name=name, km=km, bridge=None, cwd=workdir)  # type: ignore[arg-type]
        mk.bridge = KernelBridge(
            km,
            buffer_max_messages=self.settings.ws_buffer_max_messages,
            buffer_max_bytes=self.settings.ws_buffer_max_bytes,
            buffer_ttl=self.settings.ws_buffer_ttl,
            on_iopub=lambda m: self._track(mk, m),
        )
        mk.bridge.open()
        self.kernels[kid] = mk
        mk.watcher = asyncio.create_task(self._watch(mk), name=f"watch-{kid}")
        self._begin_ready(mk)
        log.info("kernel started", extra={"kernel_id": kid, "kernel_name": name, "cwd": workdir,
                                          "pid": _pid(km)})
        self._emit(mk, "started", "")
        return mk

    def _begin_ready(self, mk: ManagedKernel) -> asyncio.Task[bool]:
        """One readiness wait per kernel (re)start, shared by everyone who needs the kernel answering."""
        if mk.ready_task is None or (mk.ready_task.done() and not mk.bridge.ready.is_set()):
            mk.ready_task = asyncio.create_task(mk.bridge.wait_ready(self.settings.kernel_info_timeout))
            mk.ready_task.add_done_callback(lambda t: self._ready_done(mk, t))
        return mk.ready_task

    def _ready_done(self, mk: ManagedKernel, task: asyncio.Task[bool]) -> None:
        # A kernel that answered kernel_info is idle, even if its first status went by before we subscribed.
        if not task.cancelled() and task.exception() is None and task.result() and mk.execution_state == "starting":
            mk.execution_state = "idle"

    async def wait_ready(self, mk: ManagedKernel) -> None:
        if mk.bridge.ready.is_set():
            return
        if mk.execution_state == "dead":
            raise KernelDied(mk.id, mk.reason or "")
        ok = await asyncio.shield(self._begin_ready(mk))
        if not ok:
            if mk.execution_state == "dead":
                raise KernelDied(mk.id, mk.reason or "")
            raise Timeout(f"Kernel {mk.id} did not answer kernel_info within the timeout")

    async def interrupt(self, kernel_id: str) -> None:
        mk = self.get(kernel_id)
        await mk.km.interrupt_kernel()
        log.info("kernel interrupted", extra={"kernel_id": kernel_id})

    async def restart(self, kernel_id: str) -> ManagedKernel:
        """Restart the kernel process on the same ports and wait until it answers, as jupyter_server does."""
        mk = self.get(kernel_id)
        mk.restarting = True
        try:
            mk.bridge.ready.clear()
            mk.execution_state = "restarting"
            if await mk.km.is_alive():
                await mk.km.restart_kernel(now=False)
            else:
                # A dead kernel: start it again with its original command line and cwd.
                await mk.km.restart_kernel(now=True)
            mk.reason = None
            mk.execution_state = "starting"
            mk.ready_task = None
            await self.wait_ready(mk)
            if mk.execution_state == "starting":
                mk.execution_state = "idle"
        finally:
            mk.restarting = False
        log.info("kernel restarted", extra={"kernel_id": kernel_id, "pid": _pid(mk.km)})
        self._emit(mk, "restarted", "user")
        return mk

    async def shutdown(self, kernel_id: str, *, now: bool = False) -> None:
        mk = self.kernels.pop(kernel_id, None)
        if mk is None:
            raise NoSuchKernel(kernel_id)
        for task in (mk.watcher, mk.ready_task):
            if task is not None:
                task.cancel()
        # Tell connected clients the way jupyter_server's clients see it, then close their sockets.
        mk.bridge.broadcast(mk.bridge.make_message("iopub", "status", {"execution_state": "dead"}))
        try:
            await mk.km.shutdown_kernel(now=now or mk.execution_state == "dead")
        except Exception as e:  # the process is gone either way; make sure of it
            log.warning("kernel shutdown error", extra={"kernel_id": kernel_id, "error": str(e)})
            with contextlib.suppress(Exception):
                await mk.km.shutdown_kernel(now=True)
        await asyncio.sleep(0)  # let writers flush the dead status
        await mk.bridge.close()
        log.info("kernel shut down", extra={"kernel_id": kernel_id})
        self._emit(mk, "shutdown", "user")

    async def shutdown_all(self) -> None:
        await asyncio.gather(*(self.shutdown(k, now=False) for k in list(self.kernels)), return_exceptions=True)

    # -- internals ------------------------------------------------------------------------------------------------

    def _emit(self, mk: ManagedKernel | None, event: str, detail: str) -> None:
        for fn in self.listeners:
            try:
                fn(mk, event, detail)  # type: ignore[arg-type]
            except Exception:
                log.exception("kernel listener failed")

    def _track(self, mk: ManagedKernel, msg: RawMessage) -> None:
        now = utcnow()
        if msg.msg_type != "status":
            if mk.execution_state == "busy":
                mk.last_activity = now
            return
        try:
            state = orjson.loads(msg.content).get("execution_state")
            parent = orjson.loads(msg.parent_header) if len(msg.parent_header) > 2 else {}
        except (orjson.JSONDecodeError, AttributeError):
            return
        parent_type = parent.get("msg_type", "") if isinstance(parent, dict) else ""
        if mk.execution_state in ("starting", "restarting"):
            if mk.restarting:
                return
            mk.execution_state = "idle" if state != "busy" or parent_type in UNTRACKED else "busy"
        elif parent_type not in UNTRACKED and state in ("busy", "idle"):
            mk.execution_state = state
            mk.last_activity = now

    async def _watch(self, mk: ManagedKernel) -> None:
        """Poll the process; when it has exited, mark the kernel dead with a reason and tell its clients."""
        interval = self.settings.kernel_poll_interval
        while True:
            await asyncio.sleep(interval)
            if mk.restarting or mk.execution_state == "dead":
                continue
            if await mk.km.is_alive():
                continue
            if mk.restarting:
                continue
            code = await _exit_code(mk.km)
            mk.reason = _describe_exit(code)
            mk.execution_state = "dead"
            mk.bridge.ready.clear()
            log.warning("kernel died", extra={"kernel_id": mk.id, "kernel_name": mk.name, "reason": mk.reason})
            mk.bridge.broadcast(mk.bridge.make_message("iopub", "status", {"execution_state": "dead"}))
            self._emit(mk, "died", mk.reason)


async def _exit_code(km: AsyncKernelManager) -> int | None:
    prov = km.provisioner
    if prov is None:
        return None
    with contextlib.suppress(Exception):
        return await prov.poll()
    return None


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "kernel process exited"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"kernel process was killed by {name}"
    return f"kernel process exited with code {code}"


def _pid(km: AsyncKernelManager) -> int | None:
    prov = km.provisioner
    proc = getattr(prov, "process", None)
    return getattr(proc, "pid", None)
