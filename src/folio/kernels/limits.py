"""Resource limits applied to a kernel's process right after the provisioner launches it.

Memory: a cgroup v2 group with ``memory.max`` when the machine lets us make one (the kernel is then
OOM-killed by the kernel of the OS), otherwise the resource sampler's watchdog kills a kernel whose
process tree grows past the limit. CPU time and open files are rlimits set with prlimit(2) on the
running process; the nice level with setpriority(2).
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import psutil

log = logging.getLogger("folio.kernels")

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Limits:
    memory: int = 0
    cpu_time: int = 0
    nice: int = 0
    open_files: int = 0

    @property
    def any(self) -> bool:
        return bool(self.memory or self.cpu_time or self.nice or self.open_files)


def human_bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:g} {unit}" if unit == "bytes" else f"{n:.4g} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def memory_limit_message(limit: int) -> str:
    return f"kernel exceeded its memory limit of {human_bytes(limit)}"


def _cgroup_parent() -> Path | None:
    """A cgroup v2 folder where we may create children with the memory controller, or None."""
    try:
        rel = next(line.split("::", 1)[1].strip() for line in Path("/proc/self/cgroup").read_text().splitlines()
                   if line.startswith("0::"))
    except (OSError, StopIteration):
        return None
    here = CGROUP_ROOT / rel.lstrip("/")
    try:
        if "memory" not in (CGROUP_ROOT / "cgroup.controllers").read_text().split():
            return None
        if "memory" not in (here / "cgroup.subtree_control").read_text().split():
            return None
    except OSError:
        return None
    return here if os.access(here, os.W_OK) else None


class LimitEnforcer:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cgroup_parent = _cgroup_parent() if limits.memory else None

    @property
    def memory_by_cgroup(self) -> bool:
        return self.cgroup_parent is not None

    def apply(self, kernel_id: str, pid: int | None) -> None:
        if pid is None or not self.limits.any:
            return
        lim = self.limits
        try:
            proc = psutil.Process(pid)
            if lim.cpu_time:
                proc.rlimit(psutil.RLIMIT_CPU, (lim.cpu_time, lim.cpu_time))
            if lim.open_files:
                proc.rlimit(psutil.RLIMIT_NOFILE, (lim.open_files, lim.open_files))
            if lim.nice:
                proc.nice(lim.nice)
        except (psutil.Error, OSError, ValueError) as e:
            log.warning("could not apply kernel limits", extra={"kernel_id": kernel_id, "error": str(e)})
        if lim.memory and self.cgroup_parent is not None:
            group = self.cgroup_parent / f"folio-kernel-{kernel_id}"
            try:
                group.mkdir(exist_ok=True)
                (group / "memory.max").write_text(str(lim.memory))
                if (group / "memory.swap.max").exists():
                    (group / "memory.swap.max").write_text("0")
                (group / "cgroup.procs").write_text(str(pid))
            except OSError as e:
                log.warning("cgroup memory limit failed; using the watchdog", extra={"kernel_id": kernel_id,
                                                                                     "error": str(e)})

    def oom_killed(self, kernel_id: str) -> bool:
        """True when the kernel's cgroup recorded an OOM kill."""
        if self.cgroup_parent is None:
            return False
        events = self.cgroup_parent / f"folio-kernel-{kernel_id}" / "memory.events"
        with contextlib.suppress(OSError, ValueError):
            for line in events.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        return False

    def release(self, kernel_id: str) -> None:
        if self.cgroup_parent is not None:
            with contextlib.suppress(OSError):
                (self.cgroup_parent / f"folio-kernel-{kernel_id}").rmdir()

