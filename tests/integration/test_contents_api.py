"""The Jupyter contents API against a real folio server: shapes, status codes, round trips, checkpoints."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import httpx
import nbformat
import pytest

MODEL_KEYS = {"name", "path", "type", "writable", "created", "last_modified", "size", "mimetype", "content", "format",
              "hash", "hash_algorithm"}


def assert_jupyterlab_valid(model: dict) -> None:
    """What @jupyterlab/services validateContentsModel checks, plus jupyter_server's full key set."""
    assert MODEL_KEYS <= set(model), MODEL_KEYS - set(model)
    for key in ("name", "path", "type", "created", "last_modified"):
        assert isinstance(model[key], str), key
    assert model["created"].endswith("Z") and model["last_modified"].endswith("Z")
    assert model["type"] in ("file", "notebook", "directory")


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def notebook(source: str = "print('hi')\nx = 1") -> dict:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source, outputs=[nbformat.v4.new_output("stream", text="a\nb\n")]),
                nbformat.v4.new_markdown_cell("# Title\n\ntext")]
    return json.loads(json.dumps(nb))


@pytest.fixture
def folder(server, api: httpx.Client, request: pytest.FixtureRequest) -> str:
    """A fresh folder per test (the server is shared by the module)."""
    name = request.node.name.replace("[", "_").replace("]", "")
    assert api.put(f"api/contents/{name}", json={"type": "directory"}).status_code == 201
    return name


def test_text_file_round_trip_and_hash(api: httpx.Client, server, folder: str) -> None:
    r = api.put(f"{'api/contents'}/{folder}/a.txt", json={"type": "file", "format": "text", "content": "héllo\n"})
    assert r.status_code == 201
    assert r.headers["location"] == f"/api/contents/{folder}/a.txt"
    assert "last-modified" in r.headers
    created = r.json()
    assert_jupyterlab_valid(created)
    assert created["content"] is None and created["size"] == len("héllo\n".encode())
    disk = server.root / folder / "a.txt"
    assert created["hash"] == sha(disk)

    r = api.put(f"api/contents/{folder}/a.txt", json={"type": "file", "format": "text", "content": "second\n"})
    assert r.status_code == 200
    got = api.get(f"api/contents/{folder}/a.txt", params={"hash": 1}).json()
    assert_jupyterlab_valid(got)
    assert (got["content"], got["format"], got["mimetype"]) == ("second\n", "text", "text/plain")
    assert got["hash"] == sha(disk) == r.json()["hash"] and got["hash_algorithm"] == "sha256"
    assert api.get(f"api/contents/{folder}/a.txt", params={"content": 0, "hash": 1}).json()["hash"] == got["hash"]


def test_binary_file_base64_round_trip(api: httpx.Client, server, folder: str) -> None:
    data = bytes(range(256)) * 10
    r = api.put(f"api/contents/{folder}/blob.bin",
                json={"type": "file", "format": "base64", "content": base64.b64encode(data).decode()})
    assert r.status_code == 201
    assert (server.root / folder / "blob.bin").read_bytes() == data
    got = api.get(f"api/contents/{folder}/blob.bin").json()
    assert got["format"] == "base64" and got["mimetype"] == "application/octet-stream"
    assert got["content"] == base64.encodebytes(data).decode()  # newline every 76 chars, like jupyter_server
    assert base64.b64decode(got["content"]) == data
    r = api.get(f"api/contents/{folder}/blob.bin", params={"format": "text"})
    assert r.status_code == 400 and r.json()["reason"] == "bad format"


def test_notebook_round_trip_writes_what_nbformat_writes(api: httpx.Client, server, folder: str) -> None:
    nb = notebook()
    r = api.put(f"api/contents/{folder}/n.ipynb", json={"type": "notebook", "format": "json", "content": nb})
    assert r.status_code == 201
    disk = server.root / folder / "n.ipynb"
    assert disk.read_text() == nbformat.writes(nbformat.from_dict(nb)) + "\n"
    first = api.get(f"api/contents/{folder}/n.ipynb", params={"type": "notebook", "content": 1, "hash": 1}).json()
    assert_jupyterlab_valid(first)
    assert first["format"] == "json" and first["mimetype"] is None and first["hash"] == sha(disk) == r.json()["hash"]
    code, md = first["content"]["cells"]
    assert code["source"] == "print('hi')\nx = 1" and code["outputs"][0]["text"] == "a\nb\n"
    assert code["metadata"]["trusted"] is False and "trusted" not in md["metadata"]

    # A client that trusts every code cell saves; the flag is stripped on disk, remembered for the next open.
    first["content"]["cells"][0]["metadata"]["trusted"] = True
    r = api.put(f"api/contents/{folder}/n.ipynb", json={"type": "notebook", "content": first["content"]})
    assert r.status_code == 200 and "trusted" not in disk.read_text()
    again = api.get(f"api/contents/{folder}/n.ipynb", params={"hash": 1}).json()
    assert again["content"]["cells"][0]["metadata"]["trusted"] is True
    assert again["last_modified"] >= first["last_modified"] and again["hash"] == sha(disk)


def test_old_minor_notebook_opens_upgraded_but_is_not_rewritten(api: httpx.Client, server, folder: str) -> None:
    old = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["a\n", "b"]}], "metadata": {},
           "nbformat": 4, "nbformat_minor": 2}
    disk = server.root / folder / "old.ipynb"
    disk.write_text(json.dumps(old))
    before = disk.read_bytes()
    got = api.get(f"api/contents/{folder}/old.ipynb").json()["content"]
    assert got["nbformat_minor"] == 5 and got["cells"][0]["id"] and got["cells"][0]["source"] == "a\nb"
    assert disk.read_bytes() == before


def test_content_zero_and_query_errors(api: httpx.Client, folder: str) -> None:
    api.put(f"api/contents/{folder}/x.txt", json={"type": "file", "format": "text", "content": "x"})
    m = api.get(f"api/contents/{folder}/x.txt", params={"content": 0}).json()
    assert m["content"] is None and m["format"] is None and m["hash"] is None
    cases = [({"content": "2"}, 400), ({"format": "zip"}, 400), ({"hash": "yes"}, 400), ({"type": "directory"}, 400)]
    for params, status in cases:
        r = api.get(f"api/contents/{folder}/x.txt", params=params)
        assert r.status_code == status and "message" in r.json(), params
    r = api.get(f"api/contents/{folder}", params={"type": "file"})
    assert r.status_code == 400 and r.json()["reason"] == "bad type"
    assert api.get(f"api/contents/{folder}/x.txt?1700000000000").status_code == 200  # cache-buster ignored
    r = api.get(f"api/contents/{folder}/nope.txt")
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"


def test_directory_listing_shapes_and_hidden_policy(api: httpx.Client, server, folder: str) -> None:
    d = server.root / folder
    (d / "visible.py").write_text("x")
    (d / "nb.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))
    (d / "child").mkdir()
    (d / ".hidden").write_text("h")
    (d / "__pycache__").mkdir()
    (d / "mod.pyc").write_bytes(b"\0")
    (d / "backup~").write_text("b")
    m = api.get(f"api/contents/{folder}", params={"hash": 1}).json()
    assert m["type"] == "directory" and m["format"] == "json" and m["size"] is None and m["hash"] is None
    kids = {c["name"]: c for c in m["content"]}
    assert set(kids) == {"visible.py", "nb.ipynb", "child"}
    for c in kids.values():
        assert_jupyterlab_valid(c)
        assert c["content"] is None and c["format"] is None
    assert kids["nb.ipynb"]["type"] == "notebook" and kids["child"]["type"] == "directory"
    assert kids["visible.py"]["mimetype"] == "text/x-python" and kids["visible.py"]["path"] == f"{folder}/visible.py"
    assert api.get(f"api/contents/{folder}/.hidden").status_code == 404
    r = api.put(f"api/contents/{folder}/.secret", json={"type": "file", "format": "text", "content": "x"})
    assert r.status_code == 400 and not (d / ".secret").exists()
    assert api.delete(f"api/contents/{folder}/.hidden").status_code == 400 and (d / ".hidden").exists()
    r = api.patch(f"api/contents/{folder}/visible.py", json={"path": f"{folder}/.visible.py"})
    assert r.status_code == 400


def test_hidden_files_served_when_allowed(server_factory) -> None:
    s = server_factory(env={"FOLIO_ALLOW_HIDDEN": "true"})
    (s.root / ".config").write_text("c")
    with s.client() as c:
        names = [m["name"] for m in c.get("api/contents").json()["content"]]
        assert ".config" in names
        assert c.get("api/contents/.config").json()["content"] == "c"


def test_new_untitled_names(api: httpx.Client, folder: str) -> None:
    names = [api.post(f"api/contents/{folder}", json=body).json()["name"] for body in
             [{}, {}, {"type": "notebook"}, {"ext": ".ipynb"}, {"type": "directory"}, {"type": "directory"},
              {"type": "file", "ext": ".py"}, {"type": "file", "ext": ".py"}]]
    assert names == ["untitled", "untitled1", "Untitled.ipynb", "Untitled1.ipynb", "Untitled Folder",
                     "Untitled Folder 1", "untitled.py", "untitled1.py"]
    nb = api.get(f"api/contents/{folder}/Untitled.ipynb").json()
    assert nb["content"] == {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    r = api.post(f"api/contents/{folder}/untitled", json={})
    assert r.status_code == 400 and r.json()["message"] == "Cannot POST to files, use PUT instead."
    assert api.post(f"api/contents/{folder}/missing-dir", json={}).status_code == 404
    r = api.post(f"api/contents/{folder}/Untitled%20Folder", json={"type": "notebook"})
    assert r.status_code == 201 and r.headers["location"].endswith("/Untitled%20Folder/Untitled.ipynb")
    assert api.put(f"api/contents/{folder}").status_code == 201  # PUT without a body: new untitled too


def test_copy_naming(api: httpx.Client, server, folder: str) -> None:
    api.put(f"api/contents/{folder}/new.ipynb", json={"type": "notebook", "content": notebook()})
    api.put(f"api/contents/{folder}/a.tar.gz", json={"type": "file", "format": "base64", "content": "AAAA"})
    copies = [api.post(f"api/contents/{folder}", json={"copy_from": f"{folder}/{src}"}) for src in
              ["new.ipynb", "new.ipynb", "new-Copy1.ipynb", "a.tar.gz"]]
    assert [r.status_code for r in copies] == [201] * 4
    assert [r.json()["name"] for r in copies] == ["new-Copy1.ipynb", "new-Copy2.ipynb", "new-Copy3.ipynb",
                                                 "a-Copy1.tar.gz"]
    assert (server.root / folder / "new-Copy1.ipynb").read_bytes() == (server.root / folder / "new.ipynb").read_bytes()
    assert api.post(f"api/contents/{folder}", json={"copy_from": f"{folder}/missing.txt"}).status_code == 404
    r = api.put(f"api/contents/{folder}/z.txt", json={"copy_from": f"{folder}/new.ipynb"})
    assert r.status_code == 400


def test_rename_moves_checkpoints_and_refuses_existing_target(api: httpx.Client, server, folder: str) -> None:
    api.put(f"api/contents/{folder}/one.ipynb", json={"type": "notebook", "content": notebook()})
    api.put(f"api/contents/{folder}/two.txt", json={"type": "file", "format": "text", "content": "2"})
    r = api.patch(f"api/contents/{folder}/one.ipynb", json={"path": f"{folder}/two.txt"})
    assert r.status_code == 409 and "already exists" in r.json()["message"]
    r = api.patch(f"api/contents/{folder}/one.ipynb", json={"path": f"{folder}/renamed.ipynb"})
    assert r.status_code == 200 and r.json()["path"] == f"{folder}/renamed.ipynb"
    assert r.headers["location"] == f"/api/contents/{folder}/renamed.ipynb"
    cp = server.root / folder / ".ipynb_checkpoints"
    assert (cp / "renamed-checkpoint.ipynb").exists() and not (cp / "one-checkpoint.ipynb").exists()
    assert [c["id"] for c in api.get(f"api/contents/{folder}/renamed.ipynb/checkpoints").json()] == ["checkpoint"]
    assert api.patch(f"api/contents/{folder}/gone.txt", json={"path": f"{folder}/x.txt"}).status_code == 404
    assert api.patch(f"api/contents/{folder}/two.txt", content=b"").status_code == 400
    api.put(f"api/contents/{folder}/sub", json={"type": "directory"})
    r = api.patch(f"api/contents/{folder}/two.txt", json={"path": f"{folder}/sub/2.txt"})
    assert r.status_code == 200 and (server.root / folder / "sub" / "2.txt").read_text() == "2"


def test_delete_files_and_folders(api: httpx.Client, server, folder: str) -> None:
    api.put(f"api/contents/{folder}/n.ipynb", json={"type": "notebook", "content": notebook()})
    api.put(f"api/contents/{folder}/d", json={"type": "directory"})
    api.put(f"api/contents/{folder}/d/inner.txt", json={"type": "file", "format": "text", "content": "i"})
    assert api.delete(f"api/contents/{folder}/n.ipynb").status_code == 204
    assert not (server.root / folder / "n.ipynb").exists()
    assert not (server.root / folder / ".ipynb_checkpoints" / "n-checkpoint.ipynb").exists()
    assert api.delete(f"api/contents/{folder}/d").status_code == 204 and not (server.root / folder / "d").exists()
    assert api.delete(f"api/contents/{folder}/d").status_code == 404
    assert api.delete("api/contents/").status_code == 400 and server.root.is_dir()


def test_checkpoints_lifecycle(api: httpx.Client, server, folder: str) -> None:
    path = f"{folder}/c.txt"
    api.put(f"api/contents/{path}", json={"type": "file", "format": "text", "content": "v1"})
    assert api.get(f"api/contents/{path}/checkpoints").json() == []
    r = api.post(f"api/contents/{path}/checkpoints")
    assert r.status_code == 201 and r.json()["id"] == "checkpoint" and isinstance(r.json()["last_modified"], str)
    assert r.headers["location"] == f"/api/contents/{path}/checkpoints/checkpoint"
    api.put(f"api/contents/{path}", json={"type": "file", "format": "text", "content": "v2"})
    assert api.post(f"api/contents/{path}/checkpoints/checkpoint").status_code == 204
    assert (server.root / path).read_text() == "v1"
    assert api.post(f"api/contents/{path}/checkpoints/other").status_code == 404
    assert api.delete(f"api/contents/{path}/checkpoints/checkpoint").status_code == 204
    r = api.delete(f"api/contents/{path}/checkpoints/checkpoint")
    assert r.status_code == 404 and r.json()["message"] == f"Checkpoint does not exist: {path}@checkpoint"
    assert api.post(f"api/contents/{folder}/missing.txt/checkpoints").status_code == 404


def test_saving_a_notebook_creates_the_first_checkpoint_only(api: httpx.Client, server, folder: str) -> None:
    path = f"{folder}/cp.ipynb"
    api.put(f"api/contents/{path}", json={"type": "notebook", "content": notebook("v1")})
    cp = server.root / folder / ".ipynb_checkpoints" / "cp-checkpoint.ipynb"
    assert cp.read_bytes() == (server.root / path).read_bytes()
    api.put(f"api/contents/{path}", json={"type": "notebook", "content": notebook("v2")})
    assert "v1" in cp.read_text() and "v2" in (server.root / path).read_text()
    assert api.get(f"api/contents/{folder}").json()["content"][0]["name"] == "cp.ipynb"  # checkpoint dir not listed


def test_unicode_names(api: httpx.Client, server, folder: str) -> None:
    for name in ["漢字 ノート.ipynb", "émoji 🎉.txt", "space name.md"]:
        body = ({"type": "notebook", "content": notebook()} if name.endswith(".ipynb")
                else {"type": "file", "format": "text", "content": name})
        r = api.put(f"api/contents/{folder}/{name}", json=body)
        assert r.status_code == 201 and r.json()["name"] == name, r.text
        assert (server.root / folder / name).exists()
        assert api.get(f"api/contents/{folder}/{name}").json()["name"] == name
    names = {m["name"] for m in api.get(f"api/contents/{folder}").json()["content"]}
    assert {"漢字 ノート.ipynb", "émoji 🎉.txt", "space name.md"} <= names
    assert api.get(f"files/{folder}/émoji 🎉.txt").text == "émoji 🎉.txt"


def test_save_errors(api: httpx.Client, folder: str) -> None:
    cases = [
        ({"type": "file", "content": "x"}, 400),  # no format
        ({"content": "x", "format": "text"}, 400),  # no type
        ({"type": "file", "format": "base64", "content": "@@@"}, 400),
        ({"type": "notebook", "content": None, "chunk": 1}, 400),
    ]
    for body, status in cases:
        r = api.put(f"api/contents/{folder}/e.txt", json=body)
        assert r.status_code == status, (body, r.text)
    assert api.put(f"api/contents/{folder}/no/such/dir.txt",
                   json={"type": "file", "format": "text", "content": "x"}).status_code == 404
    r = api.put(f"api/contents/{folder}/bad.txt", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["message"] == "Invalid JSON in body of request"
    assert api.put(f"api/contents/{folder}/f.txt", json={"type": "file"}).status_code == 201  # empty new file


def test_files_endpoint_content_types(api: httpx.Client, server, folder: str) -> None:
    d = server.root / folder
    (d / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (d / "page.html").write_text("<script>alert(1)</script>")
    (d / "notes").write_text("plain words")
    (d / "blob").write_bytes(b"\x00\xff\xfe" * 10)
    (d / "n.ipynb").write_text("{}")
    (d / ".env").write_text("SECRET=1")
    r = api.get(f"files/{folder}/pic.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == b"\x89PNG\r\n\x1a\n"
    assert r.headers["cache-control"] == "no-cache" and "content-disposition" not in r.headers
    r = api.get(f"files/{folder}/page.html")
    assert r.headers["content-type"].startswith("text/html") and "sandbox" in r.headers["content-security-policy"]
    assert api.get(f"files/{folder}/notes").headers["content-type"].startswith("text/plain")
    assert api.get(f"files/{folder}/blob").headers["content-type"] == "application/octet-stream"
    r = api.get(f"files/{folder}/n.ipynb")
    assert r.headers["content-type"] == "application/x-ipynb+json" and "attachment" in r.headers["content-disposition"]
    r = api.get(f"files/{folder}/pic.png", params={"download": 1})
    assert r.headers["content-disposition"] == "attachment; filename*=utf-8''pic.png"
    assert api.get(f"files/{folder}/.env").status_code == 404
    assert api.get(f"files/{folder}").status_code == 404
    assert api.get(f"files/{folder}/missing.png").status_code == 404


def test_body_limit_is_413(server_factory) -> None:
    s = server_factory(env={"FOLIO_MAX_BODY_SIZE": "1000"})
    with s.client() as c:
        r = c.put("api/contents/big.txt", json={"type": "file", "format": "text", "content": "x" * 2000})
        assert r.status_code == 413 and r.json()["reason"] == "too large"
        assert not (s.root / "big.txt").exists()
        assert c.put("api/contents/ok.txt", json={"type": "file", "format": "text", "content": "x"}).status_code == 201


def test_every_contents_route_is_in_openapi(api: httpx.Client) -> None:
    spec = api.get("api/openapi.json").json()["paths"]
    assert {"/api/contents/{path}", "/api/contents/{path}/checkpoints",
            "/api/contents/{path}/checkpoints/{checkpoint_id}", "/files/{path}"} <= set(spec)
    assert {"get", "put", "post", "patch", "delete"} <= set(spec["/api/contents/{path}"])
