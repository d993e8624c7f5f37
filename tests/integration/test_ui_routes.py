"""The UI's server side: page routes, page config, the _xsrf cookie and static files."""

from __future__ import annotations

import re

import httpx

from folio.server.routes.ui import STATIC_DIR


def test_root_redirects_to_tree(server) -> None:  # type: ignore[no-untyped-def]
    with server.client() as c:
        r = c.get("", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/tree"


def test_pages_set_xsrf_and_embed_the_token_only_for_token_requests(server) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=server.url) as c:
        r = c.get(f"notebooks/a/b.ipynb?token={server.token}")
        assert r.status_code == 200
        assert '"token": "' + server.token + '"' in r.text
        cookie = r.headers.get_list("set-cookie")
        xsrf = [h for h in cookie if h.startswith("_xsrf=")]
        assert xsrf and "httponly" not in xsrf[0].lower()
        # Now only the login cookie: the page works but never contains the token.
        for path in ("tree", "tree/sub/dir", "edit/x.txt", "notebooks/x.ipynb"):
            r = c.get(path)
            assert r.status_code == 200, path
            assert server.token not in r.text
            assert 'id="folio-page-config"' in r.text
        js = re.search(r'src="(/static/assets/[^"]+\.js)"', r.text).group(1)  # type: ignore[union-attr]
    with httpx.Client(base_url=server.url) as anon:
        asset = anon.get(js.lstrip("/"))  # static files need no credentials
        assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
        assert asset.headers["content-type"].startswith(("text/javascript", "application/javascript"))
        on_disk = (STATIC_DIR / js.removeprefix("/static/")).read_bytes()
        assert asset.content == on_disk  # served from memory after the first request: still the same bytes
        assert anon.get(js.lstrip("/")).content == on_disk
        head = anon.head(js.lstrip("/"))
        assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(on_disk))
        assert anon.get("static/%2e%2e/%2e%2e/__init__.py").status_code == 404
        assert anon.get("static/index.html").status_code == 404
        page = anon.get("notebooks/x.ipynb", follow_redirects=False)
        assert page.status_code == 302 and page.headers["location"].startswith("/login?next=")
