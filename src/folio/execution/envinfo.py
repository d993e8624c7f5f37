"""The environment a run happened in: Python, platform, installed packages (with a hash for quick comparison)."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from typing import Any

# Run in the kernel's interpreter when it is not ours: the packages that matter are the kernel's.
_PROBE = r"""
import json, platform, sys
from importlib import metadata
pk = sorted({(d.metadata["Name"] or "").lower(): d.version for d in metadata.distributions()}.items())
print(json.dumps({"python": sys.version.split()[0], "implementation": platform.python_implementation(),
                  "executable": sys.executable, "packages": [f"{n}=={v}" for n, v in pk if n]}))
"""


@lru_cache(maxsize=8)
def _probe(executable: str) -> dict[str, Any]:
    if executable == sys.executable:
        pk = sorted({(d.metadata["Name"] or "").lower(): d.version for d in metadata.distributions()}.items())
        return {
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "packages": [f"{n}=={v}" for n, v in pk if n],
        }
    try:
        out = subprocess.run([executable, "-c", _PROBE], capture_output=True, text=True, timeout=30, check=True)
        return json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return {"executable": executable, "packages": []}


def environment_info(kernel_argv: list[str] | None = None, *, include_packages: bool = True) -> dict[str, Any]:
    """Describe the environment; ``kernel_argv`` (from the kernelspec) picks which Python's packages to list."""
    exe = sys.executable
    if kernel_argv and "python" in kernel_argv[0].rsplit("/", 1)[-1].lower():
        exe = sys.executable if kernel_argv[0] in ("python", "python3") else kernel_argv[0]
    info = dict(_probe(exe))
    packages = info.pop("packages", [])
    info["platform"] = platform.platform()
    info["machine"] = platform.machine()
    info["packages_hash"] = "sha256:" + hashlib.sha256("\n".join(packages).encode()).hexdigest()
    info["packages_count"] = len(packages)
    if include_packages:
        info["packages"] = packages
    return info


def packages_of(info: dict[str, Any]) -> list[str]:
    return list(info.get("packages", []))
