"""``/login`` (token form) and ``/logout``."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from folio.auth import new_xsrf_token
from folio.server.middleware.auth import cookie_name
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["auth"], include_in_schema=False)

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>folio — log in</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{{font:15px system-ui,sans-serif;display:grid;place-items:center;height:90vh;margin:0}}
form{{display:flex;flex-direction:column;gap:.6em;min-width:20em}}input,button{{font:inherit;padding:.4em}}
.err{{color:#b00020}}</style></head><body><form method="post" action="{action}">
<h1>folio</h1><label for="password">Token</label>
<input id="password" name="password" type="password" autocomplete="current-password" autofocus>
<input type="hidden" name="_xsrf" value="{xsrf}"><input type="hidden" name="next" value="{next}">
{error}<button type="submit">Log in</button>
<p>The token is printed by <code>folio serve</code> when it starts.</p></form></body></html>"""


def _safe_next(base: str, value: str | None) -> str:
    """Only same-site relative redirects, so /login cannot be used as an open redirect."""
    if not value:
        return f"{base}/tree"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return f"{base}/tree"
    return value


def _login_page(request: Request, base: str, nxt: str, error: str = "", status: int = 200) -> Response:
    xsrf = request.cookies.get("_xsrf") or new_xsrf_token()
    body = _PAGE.format(action=html.escape(f"{base}/login"), xsrf=html.escape(xsrf), next=html.escape(nxt),
                        error=f'<p class="err">{html.escape(error)}</p>' if error else "")
    resp = HTMLResponse(body, status_code=status)
    resp.set_cookie("_xsrf", xsrf, path=base or "/", samesite="lax")
    return resp


@router.get("/login")
async def login_form(request: Request, next: str | None = None, state: FolioState = Depends(get_state)) -> Response:
    base = state.settings.base_url.rstrip("/")
    return _login_page(request, base, _safe_next(base, next))


@router.post("/login")
async def login(request: Request, state: FolioState = Depends(get_state)) -> Response:
    base = state.settings.base_url.rstrip("/")
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    nxt = _safe_next(base, (form.get("next") or [None])[0])
    xsrf = (form.get("_xsrf") or [""])[0]
    if not xsrf or xsrf != request.cookies.get("_xsrf"):
        return _login_page(request, base, nxt, "Your session expired; please try again.", 403)
    if not state.auth.check_token((form.get("password") or [""])[0]):
        return _login_page(request, base, nxt, "Invalid token.", 401)
    resp = RedirectResponse(nxt, status_code=302)
    resp.set_cookie(cookie_name(request.scope), state.auth.make_cookie(), httponly=True, path=base or "/",
                    samesite="lax", max_age=30 * 86400)
    return resp


@router.get("/logout")
async def logout(request: Request, state: FolioState = Depends(get_state)) -> Response:
    base = state.settings.base_url.rstrip("/")
    resp = RedirectResponse(f"{base}/login", status_code=302)
    resp.delete_cookie(cookie_name(request.scope), path=base or "/")
    return resp
