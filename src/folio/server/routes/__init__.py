"""The whole URL map in one screen: one router per REST resource."""

from __future__ import annotations

from fastapi import APIRouter

# Paths (relative to base_url) served without credentials: the version probe, login, static assets.
PUBLIC_PATHS = frozenset({"/api", "/login", "/api/health", "/api/ready", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)


def build_routes() -> list[APIRouter]:
    from folio.server.routes import (
        api,
        channels,
        config,
        contents,
        events,
        files,
        folio,
        kernels,
        kernelspecs,
        login,
        nbconvert,
        ops,
        sessions,
        trust,
        ui,
    )

    return [
        api.router,  # /api, /api/status, /api/me
        trust.router,  # POST /api/contents/{path}/trust (before contents, whose {path} would match)
        contents.router,  # /api/contents/{path}[/checkpoints[/{id}]]
        files.router,  # /files/{path}
        kernelspecs.router,  # /api/kernelspecs[/{name}], /kernelspecs/{name}/{file}
        kernels.router,  # /api/kernels[/{id}[/interrupt|/restart]]
        sessions.router,  # /api/sessions[/{id}]
        channels.router,  # WS /api/kernels/{id}/channels
        login.router,  # /login, /logout
        ops.router,  # /metrics, /api/health, /api/ready
        folio.router,  # /api/folio/...: folio's own additions
        config.router,  # /api/config/{section}
        events.router,  # /api/events, WS /api/events/subscribe
        nbconvert.router,  # /api/nbconvert
        ui.router,  # /, /tree/{path}, /notebooks/{path}, /edit/{path}, /static/{file}
    ]
