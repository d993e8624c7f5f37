"""Chunked uploads (JupyterLab's large-file path) and big notebooks over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import httpx
import orjson

from folio.contents.atomic import TEMP_PREFIX


def chunk_body(data: bytes, chunk: int) -> dict:
    return {"type": "file", "format": "base64", "name": "up.bin", "chunk": chunk,
            "content": base64.b64encode(data).decode()}


def test_chunked_upload_replaces_the_file_only_on_the_last_chunk(api: httpx.Client, server) -> None:
    target = server.root / "up.bin"
    target.write_bytes(b"old bytes")
    parts = [os.urandom(1000), os.urandom(1000), os.urandom(500)]

    r1 = api.put("api/contents/up.bin", json=chunk_body(parts[0], 1))
    assert r1.status_code == 200 and r1.json()["size"] == 1000  # the file existed: 200, size of what arrived
    r2 = api.put("api/contents/up.bin", json=chunk_body(parts[1], 2))
    assert r2.status_code == 200 and r2.json()["size"] == 2000
    assert target.read_bytes() == b"old bytes"  # a half upload never replaces the old file
    names = [m["name"] for m in api.get("api/contents").json()["content"]]
    assert not [n for n in names if n.startswith(TEMP_PREFIX)]

    r3 = api.put("api/contents/up.bin", json=chunk_body(parts[2], -1))
    assert r3.status_code == 200
    final = r3.json()
    assert final["size"] == 2500 and final["name"] == "up.bin" and final["type"] == "file"
    assert target.read_bytes() == b"".join(parts)
    assert not [p for p in server.root.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_chunked_upload_of_a_new_file(api: httpx.Client, server) -> None:
    r = api.put("api/contents/fresh.bin", json=chunk_body(b"abc", 1))
    assert r.status_code == 201 and not (server.root / "fresh.bin").exists()
    assert api.put("api/contents/fresh.bin", json=chunk_body(b"def", 2)).status_code == 200
    assert api.put("api/contents/fresh.bin", json=chunk_body(b"ghi", -1)).json()["size"] == 9
    assert (server.root / "fresh.bin").read_bytes() == b"abcdefghi"


def test_restarted_upload_starts_over_and_single_last_chunk_works(api: httpx.Client, server) -> None:
    api.put("api/contents/again.bin", json=chunk_body(b"junk-from-a-failed-try", 1))
    api.put("api/contents/again.bin", json=chunk_body(b"1", 1))  # chunk 1 truncates what was assembled
    api.put("api/contents/again.bin", json=chunk_body(b"2", -1))
    assert (server.root / "again.bin").read_bytes() == b"12"
    r = api.put("api/contents/one-shot.bin", json=chunk_body(b"only", -1))
    assert r.status_code == 201 and (server.root / "one-shot.bin").read_bytes() == b"only"


def test_chunked_upload_refuses_non_files(api: httpx.Client) -> None:
    r = api.put("api/contents/n.ipynb", json={"type": "notebook", "format": "json", "content": {}, "chunk": 1})
    assert r.status_code == 400
    assert api.put("api/contents/x.bin", json={**chunk_body(b"a", 1), "chunk": 0}).status_code == 400


def big_notebook(mb: int) -> dict:
    """About ``mb`` MB of outputs: PNGs and long stream texts (built by hand: nbformat's builders validate, slowly)."""
    png = base64.encodebytes(os.urandom(300_000)).decode()
    text = "".join(f"line {i} of output\n" for i in range(20_000))
    cells, size = [], 0
    while size < mb * 1024 * 1024:
        i = len(cells)
        out = ({"output_type": "display_data", "metadata": {}, "data": {"image/png": png, "text/plain": "<Figure>"}}
               if i % 2 else {"output_type": "stream", "name": "stdout", "text": text})
        cells.append({"cell_type": "code", "id": f"cell-{i}", "execution_count": i, "metadata": {},
                      "source": f"x = {i}\nplot(x)", "outputs": [out]})
        size += len(png) if i % 2 else len(text)
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def joined(nb: dict) -> dict:
    for cell in nb["cells"]:
        cell["source"] = "".join(cell["source"])
        for out in cell["outputs"]:
            if "text" in out:
                out["text"] = "".join(out["text"])
            for mime, value in out.get("data", {}).items():
                out["data"][mime] = "".join(value) if isinstance(value, list) else value
    return nb


def test_50mb_notebook_round_trip(api: httpx.Client, server) -> None:
    nb = big_notebook(50)
    body = json.dumps({"type": "notebook", "format": "json", "content": nb}).encode()
    assert len(body) > 50 * 1000 * 1000
    r = api.put("api/contents/big.ipynb", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
    disk = server.root / "big.ipynb"
    on_disk = disk.read_bytes()
    assert hashlib.sha256(on_disk).hexdigest() == r.json()["hash"]
    # nbformat's layout (exact equality with nbformat.writes is pinned by tests/unit/test_notebook_document.py)
    assert on_disk.startswith(b'{\n "cells": [\n  {\n   "cell_type": "code",\n') and on_disk.endswith(b"}\n")
    assert b'\n     "text": [\n      "line 0 of output\\n",\n      "line 1 of output\\n",' in on_disk
    assert joined(orjson.loads(on_disk)) == nb
    got = api.get("api/contents/big.ipynb", params={"type": "notebook", "content": 1, "hash": 1}).json()
    assert got["hash"] == r.json()["hash"] and got["size"] == len(on_disk)
    assert len(got["content"]["cells"]) == len(nb["cells"])
    png = got["content"]["cells"][1]["outputs"][0]["data"]["image/png"]
    assert png == nb["cells"][1]["outputs"][0]["data"]["image/png"]
