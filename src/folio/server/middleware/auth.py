"""Pure ASGI auth middleware: token / cookie identification, XSRF and Origin checks, Host check.

Follows jupyter_server 2.x rules (see shared research notes): a token in the query or the
``Authorization`` header skips XSRF; cookie-authenticated unsafe requests need ``X-XSRFToken`` equal
to the ``_xsrf`` cookie; API requests without credentials get 403 JSON, pages redirect to /login.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from folio.auth import TokenAuth
from folio.observability.logging import log_context
from folio.server.responses import dumps

log = logging.getLogger("folio.auth")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: Paths that answer 403 JSON without credentials; every other page redirects to /login.
API_PREFIXES = ("/api", "/files", "/kernelspecs", "/metrics")
_AUTH_HEADER = re.compile(r"(token|bearer)\s+(.+)", re.IGNORECASE)
LOCAL_NAMES = {"localhost"}


def cookie_name(scope: Scope) -> str:
    server = scope.get("server") or ("", 0)
    return "folio-auth-" + re.sub(r"[^A-Za-z0-9]", "-", f"{server[0]}-{server[1]}")


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    c: SimpleCookie = SimpleCookie()
    try:
        c.load(headers.get("cookie", ""))
    except Exception:
        return {}
    return {k: m.value for k, m in c.items()}


def _is_loopback_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:].split("]")[0]
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class AuthMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        auth: TokenAuth,
        base_url: str,
        public_paths: frozenset[str],
        public_prefixes: tuple[str, ...],
        disable_xsrf: bool = False,
        allow_origin: str = "",
        check_host: bool = True,
        metrics_token: str | None = None,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.auth = auth
        self.base = base_url.rstrip("/")
        self.public_paths = public_paths
        self.public_prefixes = public_prefixes
        self.disable_xsrf = disable_xsrf
        self.allow_origin = allow_origin
        self.check_host = check_host
        self.metrics_token = metrics_token
        self.on_failure = on_failure or (lambda kind: None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path: str = scope["path"]
        rel = path[len(self.base) :] if path.startswith(self.base) else path
        headers = _headers(scope)
        method = scope.get("method", "GET")
        is_ws = scope["type"] == "websocket"

        if self.check_host and not _is_loopback_host(headers.get("host", "")):
            self.on_failure("bad_host")
            log.warning("refused Host header", extra={"host": headers.get("host", "")})
            return await self._deny(scope, receive, send, 403, "Host not allowed")

        if method == "OPTIONS" and not is_ws and rel.startswith("/api"):
            # A preflight answered like jupyter_server's; with allow_origin set, CORSMiddleware (outside) answers.
            return await self._preflight(send)
        if method == "OPTIONS" or rel in self.public_paths or rel.startswith(self.public_prefixes):
            scope.setdefault("state", {})["auth"] = "public"
            return await self.app(scope, receive, send)

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        qtoken = (query.get("token") or [None])[0]
        htoken = None
        m = _AUTH_HEADER.match(headers.get("authorization", ""))
        if m:
            htoken = m.group(2).strip()
        cookies = _cookies(headers)
        cname = cookie_name(scope)
        how = None
        if not self.auth.enabled:
            how = "none"
        elif qtoken is not None and self.auth.check_token(qtoken):
            how = "token-query"
        elif htoken is not None and self.auth.check_token(htoken):
            how = "token"
        elif self.auth.check_cookie(cookies.get(cname)):
            how = "cookie"
        elif rel == "/metrics" and self.metrics_token and htoken is not None \
                and hmac.compare_digest(htoken.encode(), self.metrics_token.encode()):
            how = "token"

        if how is None:
            kind = "bad_token" if (qtoken or htoken) else "no_credentials"
            self.on_failure(kind)
            if qtoken or htoken:
                log.warning("auth failure: bad token", extra={"path": rel, "client": _client(scope)})
            if is_ws or rel.startswith(API_PREFIXES) or method not in SAFE_METHODS:
                return await self._deny(scope, receive, send, 403, "Forbidden")
            return await self._redirect(send, f"{self.base}/login?next={quote(path)}")

        if how in ("cookie", "none") and (is_ws or method not in SAFE_METHODS):
            origin = headers.get("origin")
            if origin and not self._origin_ok(origin, headers.get("host", "")):
                self.on_failure("cross_origin")
                log.warning("refused cross-origin request", extra={"path": rel, "origin": origin})
                return await self._deny(scope, receive, send, 403, "Cross-origin request refused")
            if how == "cookie" and not is_ws and not self.disable_xsrf:
                sent = headers.get("x-xsrftoken") or headers.get("x-csrftoken") or (query.get("_xsrf") or [None])[0]
                have = cookies.get("_xsrf")
                if not sent or not have or sent != have:
                    self.on_failure("xsrf")
                if not sent:
                    return await self._deny(scope, receive, send, 403, "'_xsrf' argument missing from POST")
                if not have or sent != have:
                    return await self._deny(scope, receive, send, 403, "XSRF cookie does not match POST argument")

        scope.setdefault("state", {})["auth"] = how
        ctx = log_context.get()
        if ctx is not None:
            ctx["user"] = self.auth.user.username
        if how == "token-query" and not is_ws:
            cookie = (f"{cname}={self.auth.make_cookie()}; HttpOnly; Path={self.base or '/'}; SameSite=Lax; "
                      f"Max-Age={30 * 86400}")

            async def send_with_cookie(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
                await send(message)

            return await self.app(scope, receive, send_with_cookie)
        return await self.app(scope, receive, send)

    def _origin_ok(self, origin: str, host: str) -> bool:
        bare = re.sub(r"^[a-z]+://", "", origin)
        return bare == host or self.allow_origin == "*" or origin == self.allow_origin

    async def _deny(self, scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            # Close before accept: the server answers the upgrade with HTTP 403.
            await send({"type": "websocket.close", "code": 1008})
            return
        body = dumps({"message": message, "reason": None})
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def _preflight(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"access-control-allow-headers", b"accept, content-type, authorization, x-xsrftoken"),
            (b"access-control-allow-methods", b"GET, PUT, POST, PATCH, DELETE, OPTIONS"),
            (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    async def _redirect(self, send: Send, location: str) -> None:
        await send({"type": "http.response.start", "status": 302,
                    "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def _client(scope: Scope) -> str:
    c = scope.get("client")
    return f"{c[0]}:{c[1]}" if c else "?"
