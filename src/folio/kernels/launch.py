"""Making one jupyter_client kernel manager: the single place both the server and headless runs start kernels."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_path, jupyter_runtime_dir

from folio.errors import KernelUnavailable
from folio.kernels.limits import LimitEnforcer, Limits


def kernel_dirs() -> list[str]:
    """Where kernelspecs live: Jupyter's data path, plus IPython's legacy folder.

    Passed explicitly because jupyter_client's default imports IPython (for ``get_ipython_dir``),
    which costs the server about 30 MB of memory for one path.
    """
    ipython_dir = os.environ.get("IPYTHONDIR") or os.path.join(os.path.expanduser("~"), ".ipython")
    return [*jupyter_path("kernels"), os.path.join(ipython_dir, "kernels")]


def kernel_spec_manager() -> KernelSpecManager:
    return KernelSpecManager(kernel_dirs=kernel_dirs())


def new_kernel_manager(kernel_name: str, spec_manager: KernelSpecManager | None = None) -> AsyncKernelManager:
    """An unstarted manager for ``kernel_name``; raises KernelUnavailable for an unknown spec."""
    ksm = spec_manager or kernel_spec_manager()
    try:
        ksm.get_kernel_spec(kernel_name)
    except NoSuchKernel as e:
        raise KernelUnavailable(kernel_name, "no such kernelspec") from e
    return AsyncKernelManager(kernel_name=kernel_name, kernel_spec_manager=ksm)


def kernel_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if extra:
        env.update(extra)
    return env


async def start_kernel(
    kernel_name: str,
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    spec_manager: KernelSpecManager | None = None,
    kernel_id: str | None = None,
    limits: LimitEnforcer | None = None,
) -> AsyncKernelManager:
    """Start a kernel process with its resource limits and return its manager (not yet known to answer).

    The server's registry and headless runs both start kernels here, so limits behave the same.
    ``limits=None`` takes them from the settings (``FOLIO_KERNEL_*`` / ``folio.toml``).
    """
    km = new_kernel_manager(kernel_name, spec_manager)
    kid = kernel_id or str(uuid.uuid4())
    km.kernel_id = kid
    # Named like jupyter_server's, so `jupyter console --existing kernel-<id>.json` finds it.
    runtime = jupyter_runtime_dir()
    os.makedirs(runtime, exist_ok=True)
    km.connection_file = os.path.join(runtime, f"kernel-{kid}.json")
    try:
        await km.start_kernel(cwd=str(cwd) if cwd else None, env=kernel_env(env))
    except Exception as e:  # a broken kernelspec (bad argv, missing binary) fails here
        raise KernelUnavailable(kernel_name, f"{type(e).__name__}: {e}") from e
    (limits or default_limits()).apply(kid, getattr(getattr(km.provisioner, "process", None), "pid", None))
    return km


def default_limits() -> LimitEnforcer:
    from folio.settings import Settings

    s = Settings()
    return LimitEnforcer(Limits(s.kernel_memory_limit, s.kernel_cpu_time_limit, s.kernel_nice,
                                s.kernel_max_open_files))
