"""Operations routes: ``/metrics`` (Prometheus), ``/api/health`` and ``/api/ready`` (probes, no auth)."""

from __future__ import annotations

import os
import shutil
import tempfile

import anyio
from fastapi import APIRouter, Depends
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from folio.errors import NotFound
from folio.server.responses import json_response
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Prometheus metrics (token, or the separate metrics_token)")
async def metrics(state: FolioState = Depends(get_state)) -> Response:
    if not state.settings.metrics_enabled:
        raise NotFound("Metrics are turned off (metrics_enabled = false)")
    body = await anyio.to_thread.run_sync(generate_latest, state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


@router.get("/api/health", summary="Liveness probe (no auth, reveals nothing)")
async def health() -> Response:
    return json_response({"status": "ok"})


def _ready_checks(state: FolioState) -> dict[str, bool]:
    checks = {"storage": False, "kernel": False}
    try:
        with tempfile.NamedTemporaryFile(dir=state.settings.root_dir, prefix=".folio-ready-", delete=True) as f:
            f.write(b"ok")
            f.flush()
            os.fsync(f.fileno())
        checks["storage"] = True
    except OSError:
        pass
    try:
        spec = state.kernels.spec_manager.get_kernel_spec(state.settings.default_kernel)
        exe = spec.argv[0] if spec.argv else ""
        checks["kernel"] = bool(exe) and (os.path.isabs(exe) and os.access(exe, os.X_OK) or bool(shutil.which(exe)))
    except Exception:
        pass
    return checks


@router.get("/api/ready", summary="Readiness probe: can start the default kernel and write to the root (no auth)")
async def ready(state: FolioState = Depends(get_state)) -> Response:
    checks = await anyio.to_thread.run_sync(_ready_checks, state)
    ok = all(checks.values())
    return json_response({"status": "ready" if ok else "not ready", "checks": checks}, 200 if ok else 503)
