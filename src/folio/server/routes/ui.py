"""The browser UI: ``/`` → ``/tree``, the SPA pages (``/tree``, ``/notebooks``, ``/edit``) and ``/static``.

The bundle is built from ``frontend/`` into ``folio/_static`` (committed, so installing needs no node).
Every page render sets the ``_xsrf`` cookie the UI echoes in ``X-XSRFToken``, as jupyter_server does.
"""

from __future__ import annotations

import html
import json
import mimetypes
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from folio import __version__
from folio.auth import new_xsrf_token
from folio.server.routes.contents import warm_notebook_body
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["ui"], include_in_schema=False)

STATIC_DIR = Path(__file__).resolve().parent.parent.parent / "_static"
_CONFIG_MARK = "<!--folio-page-config-->"
_PAGE_HEADERS = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "frame-ancestors 'self'",
}


@lru_cache(maxsize=4)
def _template(mtime: float) -> str:
    return (STATIC_DIR / "index.html").read_text("utf-8")


def _index_html() -> str | None:
    index = STATIC_DIR / "index.html"
    try:
        return _template(index.stat().st_mtime)
    except OSError:
        return None


def render_page(request: Request, state: FolioState) -> Response:
    base = state.settings.base_url  # ends with "/"
    template = _index_html()
    if template is None:
        return HTMLResponse(
            "<!doctype html><title>folio</title><p>The browser UI is not built. "
            "Run <code>scripts/build-frontend</code> (needs node) or install folio from a wheel.</p>",
            status_code=500,
        )
    how = request.scope.get("state", {}).get("auth")
    config = {
        "baseUrl": base,
        "appName": "folio",
        "version": __version__,
        # The token is never written into a page unless this very request proved it knows it.
        "token": state.auth.token if how in ("token-query", "token") else "",
        "authEnabled": state.auth.enabled,
    }
    blob = json.dumps(config).replace("<", "\\u003c")
    page = template.replace('"./assets/', f'"{html.escape(base)}static/assets/').replace(
        _CONFIG_MARK, f'<script id="folio-page-config" type="application/json">{blob}</script>'
    )
    resp = HTMLResponse(page, headers=_PAGE_HEADERS)
    xsrf = request.cookies.get("_xsrf") or new_xsrf_token()
    resp.set_cookie("_xsrf", xsrf, path=base.rstrip("/") or "/", samesite="lax", httponly=False)
    return resp


@router.get("/")
async def root(state: FolioState = Depends(get_state)) -> Response:
    return RedirectResponse(f"{state.settings.base_url}tree", status_code=302)


@router.get("/tree")
@router.get("/tree/")
@router.get("/tree/{path:path}")
@router.get("/edit/{path:path}")
async def page(request: Request, state: FolioState = Depends(get_state)) -> Response:
    return render_page(request, state)


@router.get("/notebooks/{path:path}")
async def notebook_page(path: str, request: Request, state: FolioState = Depends(get_state)) -> Response:
    resp = render_page(request, state)
    if resp.status_code == 200:
        warm_notebook_body(state, path.strip("/"))
    return resp


@lru_cache(maxsize=256)  # the bundle has ~70 assets (2.5 MB): all of them fit
def _asset_bytes(path: Path, mtime_ns: int, size: int) -> bytes:
    return path.read_bytes()


@router.api_route("/static/{file:path}", methods=["GET", "HEAD"])
async def static(file: str, request: Request) -> Response:
    target = (STATIC_DIR / file).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file() or target.name == "index.html":
        return Response(b'{"message":"Not Found","reason":null}', status_code=404, media_type="application/json")
    # Asset names carry a content hash, so they can be cached for good.
    immutable = target.parent.name == "assets"
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".woff2":
        media = "font/woff2"
    headers = {
        "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    st = target.stat()
    if immutable and st.st_size <= _MEMORY_ASSET_MAX:
        # From memory, in one send: a file response takes a worker thread per 64 kB chunk, and each hop waits
        # for the GIL while the server is busy with a notebook, which held the bundle back by ~100 ms.
        body = _asset_bytes(target, st.st_mtime_ns, st.st_size)
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=200, media_type=media, headers=headers)
        return Response(body, media_type=media, headers=headers)
    return FileResponse(target, media_type=media, headers=headers)


_MEMORY_ASSET_MAX = 2 * 1024 * 1024  # the bundle's chunks; bigger files stream from disk
