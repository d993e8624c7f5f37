"""Reopening a notebook is served from memory, and never stale: a changed file or a changed trust is seen."""

from __future__ import annotations

import json
import os
import threading
import time

from folio.server.body_cache import BodyCache, CachedBody
from tests.integration.ops.conftest import scrape, value

HTML = {"output_type": "display_data", "data": {"text/html": "<b>x</b>"}, "metadata": {}}


def _nb(text: str) -> dict:
    return {"cells": [{"cell_type": "code", "id": "a", "source": text, "metadata": {}, "outputs": [HTML],
                       "execution_count": 1}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _open(c, path: str):  # type: ignore[no-untyped-def]
    r = c.get(f"api/contents/{path}?type=notebook&content=1&hash=1")
    assert r.status_code == 200, r.text
    return r


def _hits(c) -> float:  # type: ignore[no-untyped-def]
    return value(scrape(c), "folio_notebook_cache_hits_total")


def test_reopen_hits_the_cache_and_changes_are_seen(server) -> None:  # type: ignore[no-untyped-def]
    with server.client() as c:
        put = c.put("api/contents/cached.ipynb", content=json.dumps({"type": "notebook", "content": _nb("one")}))
        assert put.status_code == 201
        first = _open(c, "cached.ipynb")
        before = _hits(c)
        again = _open(c, "cached.ipynb")
        assert again.content == first.content
        assert _hits(c) == before + 1
        # Opened without the hash (as JupyterLab does): not from the cache, same notebook.
        plain = c.get("api/contents/cached.ipynb").json()
        assert plain["content"] == first.json()["content"] and _hits(c) == before + 1

        # Another program rewrites the file in place, same size, same mtime: still seen (ctime moved).
        path = server.root / "cached.ipynb"
        st = path.stat()
        path.write_text(path.read_text().replace('"one"', '"two"'))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert path.stat().st_size == st.st_size
        assert _open(c, "cached.ipynb").json()["content"]["cells"][0]["source"] == "two"

        # Trusting changes what each code cell says, not the file: the cached body is not used.
        assert _open(c, "cached.ipynb").json()["content"]["cells"][0]["metadata"]["trusted"] is False
        assert c.post("api/contents/cached.ipynb/trust").status_code == 201
        assert _open(c, "cached.ipynb").json()["content"]["cells"][0]["metadata"]["trusted"] is True

        # A save through the API is seen at once.
        c.put("api/contents/cached.ipynb", content=json.dumps({"type": "notebook", "content": _nb("three")}))
        assert _open(c, "cached.ipynb").json()["content"]["cells"][0]["source"] == "three"


def _entry(n: int) -> CachedBody:
    return CachedBody({}, b"x" * n, "d", False)


def test_body_cache_is_bounded_least_recently_used_first() -> None:
    cache = BodyCache(100)
    cache.put("a", _entry(40))
    cache.put("b", _entry(40))
    assert cache.get("a") is not None  # now b is the least recently used
    cache.put("c", _entry(40))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert cache.nbytes == 80
    cache.put("big", _entry(51))  # over half the budget: not kept, nothing pushed out
    assert cache.get("big") is None and cache.nbytes == 80
    off = BodyCache(0)
    off.put("a", _entry(1))
    assert off.get("a") is None


def test_the_notebook_page_warms_its_notebook(server) -> None:  # type: ignore[no-untyped-def]
    # Written by another program, never opened: only the page's warm-up can have put it in the cache.
    (server.root / "warm.ipynb").write_text(json.dumps(_nb("warm")))
    with server.client() as c:
        before = _hits(c)
        page = c.get("notebooks/warm.ipynb")
        assert page.status_code == 200 and "folio-page-config" in page.text
        deadline = time.monotonic() + 10
        while value(scrape(c), "folio_notebook_cache_bytes") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _open(c, "warm.ipynb").json()["content"]["cells"][0]["source"] == "warm"
        assert _hits(c) == before + 1
        # A page for something that is not a notebook (or not there) warms nothing and still renders.
        assert c.get("notebooks/missing.ipynb").status_code == 200
        assert c.get("notebooks/..%2F..%2Fetc%2Fpasswd").status_code in (200, 404)


def test_one_build_per_key_at_a_time() -> None:
    cache = BodyCache(1000)
    inside: list[str] = []
    release = threading.Event()

    def first() -> None:
        with cache.building("k"):
            inside.append("first")
            release.wait(5)
            cache.put("k", _entry(10))
            inside.append("first done")

    def second() -> None:
        with cache.building("k"):
            inside.append("second sees " + ("entry" if cache.get("k") else "nothing"))

    t1 = threading.Thread(target=first)
    t1.start()
    while not inside:
        time.sleep(0.01)
    t2 = threading.Thread(target=second)
    t2.start()
    time.sleep(0.2)
    assert inside == ["first"]  # the second waits for the first build
    release.set()
    t1.join(5)
    t2.join(5)
    assert inside == ["first", "first done", "second sees entry"]
    with cache.building("other"):  # another key does not wait
        pass
    assert cache._builds == {}
