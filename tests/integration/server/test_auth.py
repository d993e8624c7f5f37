"""Auth on every route: tokens, the login cookie, XSRF, Origin and Host checks."""

from __future__ import annotations

import re

import httpx
import pytest
import websocket
from starlette.routing import WebSocketRoute

from folio.server.app import create_app
from folio.server.middleware.auth import API_PREFIXES
from folio.server.routes import PUBLIC_PATHS, PUBLIC_PREFIXES
from folio.settings import Settings

DUMMY = {"path": "x.ipynb", "kernel_id": "00000000-0000-0000-0000-000000000000",
         "session_id": "00000000-0000-0000-0000-000000000000", "name": "python3", "filename": "logo-64x64.png",
         "checkpoint_id": "checkpoint", "file": "x"}


def all_routes() -> list[tuple[str, str]]:
    """(method, concrete path) for every route the app serves."""
    app = create_app(Settings(token="t"))
    out = []
    routes = list(app.routes)
    flat = []
    while routes:  # included routers nest their routes (base_url is "/", so no prefix to add)
        r = routes.pop(0)
        sub = getattr(r, "original_router", None)
        if sub is not None:
            routes[:0] = list(sub.routes)
        else:
            flat.append(r)
    for r in flat:
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: DUMMY.get(m.group(1), "x"), r.path)
        if isinstance(r, WebSocketRoute):
            out.append(("WS", path))
            continue
        for method in sorted(getattr(r, "methods", None) or []):
            if method != "HEAD":
                out.append((method, path))
    return out


ROUTES = all_routes()


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def test_route_list_is_complete():
    paths = {p for _, p in ROUTES}
    for expected in ("/api/contents/x.ipynb", "/api/kernels", "/api/sessions", "/api/kernelspecs", "/api/me",
                     "/api/status", "/api/openapi.json", "/api/kernels/00000000-0000-0000-0000-000000000000/channels"):
        assert expected in paths, expected


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if not is_public(r[1])],
                         ids=[f"{m} {p}" for m, p in ROUTES if not is_public(p)])
def test_every_route_refuses_requests_without_credentials(server, method, path):  # type: ignore[no-untyped-def]
    url = server.url.rstrip("/") + path
    if method == "WS":
        with pytest.raises(websocket.WebSocketBadStatusException) as e:
            websocket.create_connection("ws" + url[4:], timeout=10)
        assert e.value.status_code == 403
        return
    for headers in ({}, {"Authorization": "token wrong"}):
        r = httpx.request(method, url, headers=headers, follow_redirects=False, timeout=30)
        if path.startswith(API_PREFIXES) or method not in ("GET", "HEAD"):
            assert r.status_code == 403, (method, path, r.status_code, r.text)
            assert r.json()["message"]
        else:  # pages send the browser to the login form
            assert r.status_code == 302 and "/login?next=" in r.headers["location"], (method, path, r.status_code)


def test_public_routes_answer_without_credentials(server):  # type: ignore[no-untyped-def]
    r = httpx.get(server.url + "api")
    assert r.status_code == 200 and "version" in r.json()
    r = httpx.get(server.url + "login")
    assert r.status_code == 200 and "<form" in r.text and "_xsrf" in r.cookies


def test_token_in_header_query_and_bearer(server):  # type: ignore[no-untyped-def]
    assert httpx.get(server.url + "api/status", headers={"Authorization": f"token {server.token}"}).status_code == 200
    assert httpx.get(server.url + "api/status", headers={"Authorization": f"Bearer {server.token}"}).status_code == 200
    r = httpx.get(server.url + f"api/status?token={server.token}")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"connections", "kernels", "last_activity", "started"}
    assert body["started"].endswith("Z")


def test_query_token_sets_a_cookie_that_authenticates_and_needs_xsrf_for_writes(server):  # type: ignore
    with httpx.Client(base_url=server.url) as c:
        r = c.get(f"api/me?token={server.token}")
        assert r.status_code == 200 and r.json()["identity"]["username"]
        assert any(k.startswith("folio-auth-") for k in c.cookies)
        # The cookie alone authenticates reads ...
        assert c.get("api/kernels").status_code == 200
        # ... but an unsafe request with only the cookie needs the XSRF double submit.
        r = c.post("api/kernels", json={})
        assert r.status_code == 403 and "_xsrf" in r.json()["message"]
        c.cookies.set("_xsrf", "abc123")
        r = c.post("api/kernels", json={"name": "nope"}, headers={"X-XSRFToken": "wrong"})
        assert r.status_code == 403 and "XSRF" in r.json()["message"]
        r = c.post("api/kernels", json={"name": "nope"}, headers={"X-XSRFToken": "abc123"})
        assert r.status_code == 501  # got past auth and XSRF to the (unknown) kernelspec
        # A cookie-authenticated write from another origin is refused even with XSRF.
        r = c.post("api/kernels", json={"name": "nope"},
                   headers={"X-XSRFToken": "abc123", "Origin": "http://evil.example"})
        assert r.status_code == 403


def test_login_form_sets_the_cookie(server):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.url) as c:
        page = c.get("login?next=/api/status")
        xsrf = c.cookies["_xsrf"]
        assert xsrf in page.text
        bad = c.post("login", data={"password": "nope", "_xsrf": xsrf, "next": "/api/status"})
        assert bad.status_code == 401
        ok = c.post("login", data={"password": server.token, "_xsrf": xsrf, "next": "/api/status"})
        assert ok.status_code == 302 and ok.headers["location"] == "/api/status"
        assert c.get("api/status").status_code == 200
        # next= never leads off the site
        off = c.post("login", data={"password": server.token, "_xsrf": xsrf, "next": "//evil.example/"})
        assert off.headers["location"] == "/tree"


def test_foreign_host_header_is_refused(server):  # type: ignore[no-untyped-def]
    r = httpx.get(server.url + "api/status", headers={"Authorization": f"token {server.token}",
                                                      "Host": "attacker.example"})
    assert r.status_code == 403


def test_server_binds_loopback_by_default(server):  # type: ignore[no-untyped-def]
    assert server.url.startswith("http://127.0.0.1:")


def test_me_permissions(server, api):  # type: ignore[no-untyped-def]
    r = api.get('api/me?permissions={"contents":["read","write"]}')
    assert r.json()["permissions"] == {"contents": ["read", "write"]}
    assert api.get("api/me?permissions=notjson").status_code == 400


def test_openapi_document(api):  # type: ignore[no-untyped-def]
    doc = api.get("api/openapi.json").json()
    for p in ("/api/kernels", "/api/sessions/{session_id}", "/api/kernels/{kernel_id}/channels",
              "/api/kernelspecs"):
        assert p in doc["paths"], p
