"""One log line and the HTTP metrics per request: method, route template, status, duration."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from folio.observability.logging import log_context
from folio.observability.metrics import Metrics

log = logging.getLogger("folio.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

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
            secs = time.perf_counter() - start
            ms = secs * 1000
            if self.metrics is not None:
                self.metrics.http_requests.labels(scope["method"], template, str(status)).inc()
                self.metrics.http_request_seconds.labels(scope["method"], template).observe(secs)
            log.info(
                "%s %s %d %.1fms", scope["method"], template, status, ms,
                extra={"method": scope["method"], "route": template, "status": status, "duration_ms": round(ms, 2)},
            )
            log_context.reset(token)
