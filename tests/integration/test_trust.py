"""Notebook trust through the API: untrusted by default, POST .../trust signs it, the record outlives the server."""

from __future__ import annotations

import json

from tests.conftest import start_server

HTML = {"output_type": "display_data", "data": {"text/html": "<script>1</script>"}, "metadata": {}}
NB = {"cells": [{"cell_type": "code", "source": "x", "metadata": {}, "outputs": [HTML], "execution_count": 1},
                {"cell_type": "markdown", "source": "# hi", "metadata": {}}],
      "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _trusted(c, path: str) -> list[bool]:  # type: ignore[no-untyped-def]
    cells = c.get(f"api/contents/{path}").json()["content"]["cells"]
    return [cell["metadata"].get("trusted") for cell in cells if cell["cell_type"] == "code"]


def test_trust_is_signed_and_kept_across_restarts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = start_server(tmp_path)
    try:
        with server.client() as c:
            r = c.put("api/contents/n.ipynb", content=json.dumps({"type": "notebook", "format": "json", "content": NB}))
            assert r.status_code == 201
            assert _trusted(c, "n.ipynb") == [False]
            assert c.post("api/contents/n.ipynb/trust").status_code == 201
            assert _trusted(c, "n.ipynb") == [True]
            assert c.post("api/contents/nope.ipynb/trust").status_code == 404
    finally:
        server.stop()
    server = start_server(tmp_path)
    try:
        with server.client() as c:
            assert _trusted(c, "n.ipynb") == [True]
            # Someone else changes the file: it is no longer the notebook that was trusted.
            (tmp_path / "n.ipynb").write_text(json.dumps({**NB, "metadata": {"changed": True}}))
            assert _trusted(c, "n.ipynb") == [False]
    finally:
        server.stop()


def test_trust_store_signatures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from folio.contents.trust import TrustStore

    store = TrustStore(tmp_path)
    store.add("abc")
    assert "abc" in store and "abd" not in store
    again = TrustStore(tmp_path)
    assert "abc" in again
    assert (tmp_path / "trust_secret").stat().st_mode & 0o077 == 0
    other = TrustStore(tmp_path / "other")
    assert "abc" not in other  # a different secret signs differently
    again.discard("abc")
    assert "abc" not in store
