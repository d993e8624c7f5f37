"""Making one jupyter_client kernel manager: the single place both the server and headless runs start kernels."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_path

from folio.errors import KernelUnavailable


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
) -> AsyncKernelManager:
    """Start a kernel process and return its manager (not yet known to be responsive)."""
    km = new_kernel_manager(kernel_name, spec_manager)
    try:
        await km.start_kernel(cwd=str(cwd) if cwd else None, env=kernel_env(env))
    except Exception as e:  # a broken kernelspec (bad argv, missing binary) fails here
        raise KernelUnavailable(kernel_name, f"{type(e).__name__}: {e}") from e
    return km
