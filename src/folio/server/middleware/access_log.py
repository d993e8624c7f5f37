"""One log line per request: method, route template, status, duration."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from folio.observability.logging import log_context

log = logging.getLogger("folio.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500
        rid = uuid.uuid4().hex[:12]
        token = log_context.set({"request_id": rid})

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "<unmatched>"
            ms = (time.perf_counter() - start) * 1000
            log.info(
                "%s %s %d %.1fms", scope["method"], template, status, ms,
                extra={"method": scope["method"], "route": template, "status": status, "duration_ms": round(ms, 2)},
            )
            log_context.reset(token)
