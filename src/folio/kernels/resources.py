"""Samples each kernel's CPU and memory off the event loop; feeds the metrics and the memory watchdog."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import psutil

log = logging.getLogger("folio.kernels")


@dataclass
class Sample:
    kernel_id: str
    rss: int
    cpu_percent: float


class ProcessTree:
    """A kernel's process and its children, with psutil objects kept so cpu_percent has a baseline."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._procs: dict[int, psutil.Process] = {}

    def sample(self) -> tuple[int, float]:
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0, 0.0
        rss = 0
        cpu = 0.0
        alive: dict[int, psutil.Process] = {}
        for p in procs:
            known = self._procs.get(p.pid, p)
            try:
                rss += known.memory_info().rss
                cpu += known.cpu_percent(None)
            except psutil.Error:
                continue
            alive[p.pid] = known
        self._procs = alive
        return rss, cpu


class ResourceSampler:
    """Every ``interval`` seconds, sample all kernels in a worker thread and report through ``on_sample``.

    With a memory limit and no cgroup to enforce it, a kernel whose tree is over the limit is killed
    (SIGKILL) and ``on_over_limit`` is told first, so its death is reported with the reason.
    """

    def __init__(
        self,
        pids: Callable[[], dict[str, int | None]],
        on_sample: Callable[[list[Sample]], None],
        *,
        interval: float,
        memory_limit: int = 0,
        on_over_limit: Callable[[str], None] | None = None,
    ) -> None:
        self.pids = pids
        self.on_sample = on_sample
        self.memory_limit = memory_limit
        self.on_over_limit = on_over_limit
        # A watchdog must look often; plain metrics need not.
        self.interval = min(interval, 0.25) if memory_limit else interval
        self._trees: dict[str, ProcessTree] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="resource-sampler")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                pids = self.pids()
                samples = await anyio.to_thread.run_sync(self._sample_all, pids)
                self.on_sample(samples)
            except Exception:
                log.exception("resource sampling failed")

    def _sample_all(self, pids: dict[str, int | None]) -> list[Sample]:
        out = []
        for kid in list(self._trees):
            if kid not in pids:
                del self._trees[kid]
        for kid, pid in pids.items():
            if pid is None:
                continue
            tree = self._trees.get(kid)
            if tree is None or tree.pid != pid:
                tree = self._trees[kid] = ProcessTree(pid)
            rss, cpu = tree.sample()
            out.append(Sample(kid, rss, cpu))
            if self.memory_limit and rss > self.memory_limit:
                log.warning("kernel over its memory limit; killing it",
                            extra={"kernel_id": kid, "rss": rss, "limit": self.memory_limit})
                if self.on_over_limit is not None:
                    self.on_over_limit(kid)
                _kill_tree(pid)
        return out


def _kill_tree(pid: int) -> None:
    try:
        root = psutil.Process(pid)
        procs = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for p in procs:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
