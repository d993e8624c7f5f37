"""``create_app(settings)``: the ASGI app, its middleware stack and its lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from folio import __version__
from folio.auth import TokenAuth
from folio.contents.local import LocalContents
from folio.execution.recorder import OutputRecorder
from folio.kernels.registry import KernelRegistry
from folio.kernels.sessions import SessionManager
from folio.observability.metrics import Metrics
from folio.server import openapi
from folio.server.body_cache import BodyCache
from folio.server.errors import HANDLERS
from folio.server.middleware.access_log import AccessLogMiddleware
from folio.server.middleware.auth import AuthMiddleware
from folio.server.routes import PUBLIC_PATHS, PUBLIC_PREFIXES, build_routes
from folio.server.save_scan import SaveScanner
from folio.server.state import FolioState
from folio.settings import Settings

log = logging.getLogger("folio.server")


def create_app(settings: Settings) -> FastAPI:
    contents = LocalContents.from_settings(settings)
    metrics = Metrics()
    metrics.build_info.info({"version": __version__})
    kernels = KernelRegistry(settings, metrics)
    state = FolioState(
        settings=settings,
        metrics=metrics,
        auth=TokenAuth.from_settings(settings.token, settings.cookie_secret_file),
        contents=contents,
        kernels=kernels,
        sessions=SessionManager(kernels, contents),
        notebook_bodies=BodyCache(settings.notebook_cache_size),
    )
    metrics.notebook_cache_bytes.set_function(lambda: state.notebook_bodies.nbytes)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await kernels.start()
        metrics_server = None
        if settings.metrics_port is not None:
            from prometheus_client import start_http_server

            metrics_server, _ = start_http_server(settings.metrics_port, addr="127.0.0.1", registry=metrics.registry)
            log.info("metrics listener", extra={"port": metrics_server.server_port})
        log.info("server started", extra={"root_dir": str(settings.root_dir)})
        try:
            yield
        finally:
            if metrics_server is not None:
                metrics_server.shutdown()
            await recorder.flush_all()
            await kernels.shutdown_all()
            state.save_scanner.stop()
            log.info("server stopped")

    base = settings.base_url.rstrip("/")
    app = FastAPI(
        title="folio",
        version=__version__,
        description="Jupyter Server REST API as served by folio, plus folio's own /api/folio routes.",
        openapi_url=f"{base}/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
    )
    app.state.folio = state
    recorder = OutputRecorder(settings, contents, state.sessions.notebook_for_kernel, metrics)
    kernels.on_adopt.append(recorder.attach)
    state.recorder = recorder
    state.save_scanner = SaveScanner(metrics)
    # Read at scrape time: cheaper than keeping them current on every event.
    metrics.sessions_active.set_function(lambda: len(state.sessions.sessions))
    metrics.websocket_connections.set_function(kernels.total_connections)
    metrics.users_active.set_function(lambda: 1 if kernels.total_connections() else 0)
    for router in build_routes():
        app.include_router(router, prefix=base)
    openapi.install(app, base)

    app.add_middleware(
        AuthMiddleware,
        auth=state.auth,
        base_url=settings.base_url,
        public_paths=PUBLIC_PATHS,
        public_prefixes=PUBLIC_PREFIXES,
        disable_xsrf=settings.disable_xsrf,
        allow_origin=settings.allow_origin,
        check_host=not settings.allow_remote_access and _is_loopback(settings.ip),
        metrics_token=settings.metrics_token,
        on_failure=lambda kind: metrics.auth_failures.labels(kind).inc(),
    )
    if settings.allow_origin:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"] if settings.allow_origin == "*" else [settings.allow_origin],
            allow_methods=["GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["accept", "content-type", "authorization", "x-xsrftoken"],
            allow_credentials=settings.allow_origin != "*",
        )
    if settings.metrics_enabled or settings.log_level in ("debug", "info"):
        app.add_middleware(AccessLogMiddleware, metrics=metrics if settings.metrics_enabled else None)
    return app


def _is_loopback(ip: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"
