"""Kernelspec models in the Jupyter Server API's shape, and the safe lookup of their resource files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager

from folio.errors import NoSuchFile, NoSuchKernelSpec


def spec_models(ksm: KernelSpecManager, base_url: str) -> dict[str, dict[str, Any]]:
    """All kernelspecs jupyter_client finds, as ``{name: {"name", "spec", "resources"}}``."""
    out: dict[str, dict[str, Any]] = {}
    for name, info in ksm.get_all_specs().items():
        out[name] = _model(name, info["spec"], info["resource_dir"], base_url)
    return out


def spec_model(ksm: KernelSpecManager, name: str, base_url: str) -> dict[str, Any]:
    try:
        spec = ksm.get_kernel_spec(name)
    except Exception:
        raise NoSuchKernelSpec(name) from None
    return _model(name, spec.to_dict(), spec.resource_dir, base_url)


def _model(name: str, spec: dict[str, Any], resource_dir: str, base_url: str) -> dict[str, Any]:
    resources: dict[str, str] = {}
    try:
        files = os.listdir(resource_dir)
    except OSError:
        files = []
    for f in sorted(files):
        stem, ext = os.path.splitext(f)
        if stem.startswith("logo-"):
            resources[stem] = f"{base_url}kernelspecs/{name}/{f}"
        elif f in ("kernel.js", "kernel.css"):
            resources[f] = f"{base_url}kernelspecs/{name}/{f}"
    spec = dict(spec)
    spec.setdefault("env", {})
    spec.setdefault("metadata", {})
    spec.setdefault("interrupt_mode", "signal")
    return {"name": name, "spec": spec, "resources": resources}


def resource_path(ksm: KernelSpecManager, name: str, filename: str) -> Path:
    """The file ``filename`` of kernelspec ``name``: a plain name directly in the spec's folder, nothing else."""
    try:
        spec = ksm.get_kernel_spec(name)
    except Exception:
        raise NoSuchKernelSpec(name) from None
    if "/" in filename or "\\" in filename or filename.startswith(".") or "\x00" in filename:
        raise NoSuchFile(f"kernelspecs/{name}/{filename}")
    path = Path(spec.resource_dir) / filename
    if not path.is_file():
        raise NoSuchFile(f"kernelspecs/{name}/{filename}")
    return path
