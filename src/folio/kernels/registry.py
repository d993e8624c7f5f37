"""The kernels a server runs: start, list, interrupt, restart, shut down, and watch for deaths.

A ``KernelRegistry`` holds one ``ManagedKernel`` per kernel id; each has a jupyter_client
``AsyncKernelManager`` (its provisioner places the process) and a ``KernelBridge`` for its messages.
The warm pool, the idle culler, resource limits and metrics hang off the registry as small collaborators.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager

from folio.errors import Conflict, KernelDied, KernelUnavailable, NoSuchKernel, Timeout, TooManyRequests
from folio.kernels.bridge import UNTRACKED, KernelBridge
from folio.kernels.launch import kernel_spec_manager, start_kernel
from folio.kernels.limits import LimitEnforcer, Limits, memory_limit_message
from folio.kernels.resources import ResourceSampler, Sample
from folio.kernels.wire import RawMessage
from folio.observability.metrics import Metrics
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
    language: str = ""
    execution_state: str = "starting"
    last_activity: datetime = field(default_factory=utcnow)
    reason: str | None = None
    watcher: asyncio.Task[None] | None = None
    ready_task: asyncio.Task[bool] | None = None
    restarting: bool = False
    over_memory_limit: bool = False
    started_at: float = field(default_factory=time.monotonic)

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

    @property
    def pid(self) -> int | None:
        proc = getattr(self.km.provisioner, "process", None)
        return getattr(proc, "pid", None)


class KernelRegistry:
    def __init__(self, settings: Settings, metrics: Metrics | None = None,
                 spec_manager: KernelSpecManager | None = None) -> None:
        from folio.kernels.culler import IdleCuller
        from folio.kernels.pool import KernelPool

        self.settings = settings
        self.metrics = metrics or Metrics()
        self.spec_manager = spec_manager or kernel_spec_manager()
        self.kernels: dict[str, ManagedKernel] = {}
        #: Called with each kernel handed to a user; a layer above attaches bridge taps here.
        self.on_adopt: list[Callable[[ManagedKernel], None]] = []
        self._last_activity = utcnow()
        self.limits = LimitEnforcer(Limits(settings.kernel_memory_limit, settings.kernel_cpu_time_limit,
                                           settings.kernel_nice, settings.kernel_max_open_files))
        self.sampler = ResourceSampler(
            self._pids, self._on_samples, interval=settings.resource_sample_interval,
            memory_limit=0 if self.limits.memory_by_cgroup else settings.kernel_memory_limit,
            on_over_limit=self._on_over_limit)
        sizes = dict(settings.pool_sizes)
        if settings.pool_size:
            sizes.setdefault(settings.default_kernel, settings.pool_size)
        self.pool = KernelPool(self, {k: v for k, v in sizes.items() if v > 0})
        self.culler = IdleCuller(self, settings.cull_idle_timeout, settings.cull_interval, settings.cull_connected)

    async def start(self) -> None:
        """Server startup: begin sampling, culling and filling the warm pool (in the background)."""
        # Series that exist from the start at 0, so Prometheus counts every kernelspec's first start and failure.
        for name in self.spec_manager.find_kernel_specs():
            self.metrics.kernel_start_attempts.labels(name)
            self.metrics.kernel_start_failures.labels(name)
            self.metrics.kernels_active.labels(name)
        self.sampler.start()
        self.culler.start()
        self.pool.start()

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
        """A kernel for a user: from the warm pool when one fits, else launched now (state ``starting``)."""
        name = name or self.settings.default_kernel
        if kernel_id and kernel_id in self.kernels:
            raise Conflict(f"Kernel already exists: {kernel_id}")
        if self.settings.max_kernels and len(self.kernels) >= self.settings.max_kernels:
            self.metrics.limit_refusals.labels("max_kernels").inc()
            log.warning("kernel limit reached", extra={"limit": self.settings.max_kernels})
            raise TooManyRequests(f"This server runs at most {self.settings.max_kernels} kernels; "
                                  "shut one down before starting another (setting max_kernels).")
        workdir = str(cwd or self.settings.root_dir)
        if kernel_id is None:
            mk = await self.pool.take(name, workdir, dict(env or {}))
            if mk is not None:
                self._adopt(mk)
                return mk
        mk = await self.launch(name, cwd=workdir, env=env, kernel_id=kernel_id)
        self._adopt(mk)
        return mk

    async def launch(self, name: str, *, cwd: str, env: Mapping[str, str] | None = None,
                     kernel_id: str | None = None) -> ManagedKernel:
        """Start a kernel process with its bridge; not yet listed (the pool keeps such kernels unlisted)."""
        kid = kernel_id or str(uuid.uuid4())
        self.metrics.kernel_start_attempts.labels(name).inc()
        try:
            km = await start_kernel(name, cwd=cwd, env=env, spec_manager=self.spec_manager, kernel_id=kid,
                                    limits=self.limits)
        except KernelUnavailable as e:
            self.metrics.kernel_start_failures.labels(name).inc()
            log.warning("kernel failed to start", extra={"kernel_name": name, "error": e.detail})
            raise
        mk = ManagedKernel(id=kid, name=name, km=km, bridge=None, cwd=cwd,  # type: ignore[arg-type]
                           language=(km.kernel_spec.language if km.kernel_spec else ""))
        mk.bridge = KernelBridge(
            km,
            buffer_max_messages=self.settings.ws_buffer_max_messages,
            buffer_max_bytes=self.settings.ws_buffer_max_bytes,
            buffer_ttl=self.settings.ws_buffer_ttl,
            on_iopub=lambda m: self._track(mk, m),
            on_execute_reply=(lambda status, secs: self._cell_done(mk, status, secs))
            if self.settings.metrics_enabled else None,
        )
        mk.bridge.open()
        mk.watcher = asyncio.create_task(self._watch(mk), name=f"watch-{kid}")
        self._begin_ready(mk)
        log.info("kernel started", extra={"kernel_id": kid, "kernel_name": name, "cwd": cwd, "pid": mk.pid})
        return mk

    def _adopt(self, mk: ManagedKernel) -> None:
        self.kernels[mk.id] = mk
        self.metrics.kernels_active.labels(mk.name).inc()
        for fn in self.on_adopt:
            fn(mk)

    def _begin_ready(self, mk: ManagedKernel) -> asyncio.Task[bool]:
        """One readiness wait per kernel (re)start, shared by everyone who needs the kernel answering."""
        if mk.ready_task is None or (mk.ready_task.done() and not mk.bridge.ready.is_set()):
            mk.ready_task = asyncio.create_task(mk.bridge.wait_ready(self.settings.kernel_info_timeout))
            mk.ready_task.add_done_callback(lambda t: self._ready_done(mk, t))
        return mk.ready_task

    def _ready_done(self, mk: ManagedKernel, task: asyncio.Task[bool]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        if task.result():
            # A kernel that answered kernel_info is idle, even if its first status went by before we subscribed.
            if mk.execution_state == "starting":
                mk.execution_state = "idle"
        elif mk.execution_state != "dead":
            self.metrics.kernel_start_failures.labels(mk.name).inc()

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
        was_dead = mk.execution_state == "dead"
        mk.restarting = True
        try:
            mk.bridge.ready.clear()
            mk.execution_state = "restarting"
            # A dead kernel is started again with its original command line and cwd.
            await mk.km.restart_kernel(now=was_dead or not await mk.km.is_alive())
            mk.reason = None
            mk.over_memory_limit = False
            mk.execution_state = "starting"
            mk.ready_task = None
            self.limits.apply(mk.id, mk.pid)
            await self.wait_ready(mk)
        finally:
            mk.restarting = False
        self.metrics.kernel_restarts.labels(mk.name, "after_death" if was_dead else "user").inc()
        log.info("kernel restarted", extra={"kernel_id": kernel_id, "pid": mk.pid})
        return mk

    async def shutdown(self, kernel_id: str, *, now: bool = False, reason: str = "user") -> None:
        mk = self.kernels.pop(kernel_id, None)
        if mk is None:
            raise NoSuchKernel(kernel_id)
        self.metrics.kernels_active.labels(mk.name).dec()
        if mk.execution_state != "dead":
            self.metrics.kernel_terminations.labels(mk.name, reason).inc()
        # Connected clients see the kernel go, then their sockets close with 1000 (no reconnect).
        mk.bridge.broadcast(mk.bridge.make_message("iopub", "status", {"execution_state": "dead"}))
        await self.dispose(mk, now=now or mk.execution_state == "dead")
        log.info("kernel shut down", extra={"kernel_id": kernel_id, "reason": reason})

    async def dispose(self, mk: ManagedKernel, *, now: bool = False) -> None:
        """Stop a kernel's process and its tasks and sockets (whether listed or pooled)."""
        for task in (mk.watcher, mk.ready_task):
            if task is not None:
                task.cancel()
        try:
            await mk.km.shutdown_kernel(now=now)
        except Exception as e:  # the process is gone either way; make sure of it
            log.warning("kernel shutdown error", extra={"kernel_id": mk.id, "error": str(e)})
            with contextlib.suppress(Exception):
                await mk.km.shutdown_kernel(now=True)
        await asyncio.sleep(0)  # let writers flush the last status
        await mk.bridge.close()
        self.limits.release(mk.id)
        self._drop_gauges(mk)

    async def shutdown_all(self) -> None:
        await self.culler.stop()
        await self.sampler.stop()
        await self.pool.stop()
        await asyncio.gather(*(self.shutdown(k, reason="user") for k in list(self.kernels)),
                             return_exceptions=True)

    # -- internals ------------------------------------------------------------------------------------------------

    def _drop_gauges(self, mk: ManagedKernel) -> None:
        for g in (self.metrics.kernel_cpu_percent, self.metrics.kernel_memory_bytes):
            with contextlib.suppress(KeyError):
                g.remove(mk.id, mk.name)

    def _pids(self) -> dict[str, int | None]:
        return {k.id: k.pid for k in self.kernels.values() if k.execution_state != "dead"}

    def _on_samples(self, samples: list[Sample]) -> None:
        for s in samples:
            mk = self.kernels.get(s.kernel_id)
            if mk is None:
                continue
            self.metrics.kernel_cpu_percent.labels(mk.id, mk.name).set(s.cpu_percent)
            self.metrics.kernel_memory_bytes.labels(mk.id, mk.name).set(s.rss)

    def _on_over_limit(self, kernel_id: str) -> None:
        mk = self.kernels.get(kernel_id)
        if mk is not None:
            mk.over_memory_limit = True

    def _cell_done(self, mk: ManagedKernel, status: str, seconds: float) -> None:
        m = self.metrics
        m.cell_executions.labels(mk.name, status).inc()
        m.cell_duration_seconds.labels(mk.name).observe(seconds)
        if seconds > self.settings.long_running_cell_seconds:
            m.cells_long_running.labels(mk.name).inc()

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
            if await mk.km.is_alive() or mk.restarting:
                continue
            code = await _exit_code(mk.km)
            limit = self.settings.kernel_memory_limit
            if limit and (mk.over_memory_limit or self.limits.oom_killed(mk.id)):
                why, mk.reason = "memory_limit", memory_limit_message(limit)
            elif code is not None and code < 0:
                why, mk.reason = "signal", _describe_exit(code)
            else:
                why, mk.reason = "crash", _describe_exit(code)
            mk.execution_state = "dead"
            mk.bridge.ready.clear()
            if mk.id in self.kernels:
                self.metrics.kernel_terminations.labels(mk.name, why).inc()
            log.warning("kernel died", extra={"kernel_id": mk.id, "kernel_name": mk.name, "reason": mk.reason})
            b = mk.bridge
            # Said in the cell that was running (when there was one), then the dead status.
            parent = b.last_execute_header
            b.broadcast(b.make_message("iopub", "stream", {"name": "stderr", "text": f"folio: {mk.reason}\n"},
                                       parent=parent))
            b.broadcast(b.make_message("iopub", "status", {"execution_state": "dead"}, parent=parent))


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
