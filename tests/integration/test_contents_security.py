"""Hostile paths over real HTTP: raw request targets (no client-side normalization) never reach outside the root."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import httpx
import pytest

SECRET = "TOP-SECRET-OUTSIDE-ROOT"


@pytest.fixture(scope="module")
def outside(server) -> Path:
    """A secret next to the root, a symlink from inside the root to it, and one to a file inside the root."""
    out = server.root.parent / f"{server.root.name}-outside"
    out.mkdir(exist_ok=True)
    (out / "secret.txt").write_text(SECRET)
    (server.root / "inside.txt").write_text("inside")
    for name, target in [("link-out", out), ("file-link-out", out / "secret.txt"),
                         ("link-in.txt", server.root / "inside.txt")]:
        if not os.path.lexists(server.root / name):
            os.symlink(target, server.root / name)
    return out


def raw(server, method: str, target: str, body: bytes = b"") -> tuple[int, str]:
    """Send the request target exactly as given."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.putheader("Authorization", f"token {server.token}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()



HOSTILE_GET = [
    ("/api/contents/../{out}/secret.txt", {403}),
    ("/api/contents/%2e%2e/{out}/secret.txt", {403}),
    ("/api/contents/%2E%2E%2F{out}%2Fsecret.txt", {403}),
    ("/api/contents/..%2f{out}%2fsecret.txt", {403}),
    ("/api/contents/%252e%252e/{out}/secret.txt", {403}),
    ("/api/contents/inside.txt%2f..%2f..%2f{out}%2fsecret.txt", {403}),
    ("/api/contents/%2Fetc%2Fpasswd", {400}),
    ("/api/contents//etc/passwd", {400}),
    ("/api/contents/inside.txt%00.png", {400}),
    ("/api/contents/..%5c{out}%5csecret.txt", {400}),
    ("/api/contents/link-out/secret.txt", {403}),
    ("/api/contents/file-link-out", {403}),
    ("/api/contents/link-out", {403}),
    ("/api/contents/.%2e/{out}/secret.txt/checkpoints", {403}),
    ("/files/../{out}/secret.txt", {403}),
    ("/files/%2e%2e/{out}/secret.txt", {403}),
    ("/files/%252e%252e/{out}/secret.txt", {403}),
    ("/files/link-out/secret.txt", {403}),
    ("/files/file-link-out", {403}),
    ("/files/%2Fetc%2Fpasswd", {400}),
    ("/files/inside.txt%00", {400}),
]


@pytest.mark.parametrize(("target", "statuses"), HOSTILE_GET, ids=[t for t, _ in HOSTILE_GET])
def test_hostile_reads_refused(server, outside: Path, target: str, statuses: set[int]) -> None:
    status, body = raw(server, "GET", target.format(out=outside.name))
    assert status in statuses, (status, body)
    assert SECRET not in body


HOSTILE_WRITES = [
    ("PUT", "/api/contents/%2e%2e/{out}/planted.txt"),
    ("PUT", "/api/contents/link-out/planted.txt"),
    ("PUT", "/api/contents/file-link-out"),
    ("PUT", "/api/contents/%252e%252e/{out}/planted.txt"),
    ("POST", "/api/contents/link-out"),
    ("POST", "/api/contents/%2e%2e/{out}"),
    ("DELETE", "/api/contents/link-out/secret.txt"),
    ("DELETE", "/api/contents/%2e%2e/{out}/secret.txt"),
    ("PATCH", "/api/contents/%2e%2e/{out}/secret.txt"),
    ("POST", "/api/contents/link-out/secret.txt/checkpoints"),
]


@pytest.mark.parametrize(("method", "target"), HOSTILE_WRITES, ids=[f"{m} {t}" for m, t in HOSTILE_WRITES])
def test_hostile_writes_refused(server, outside: Path, method: str, target: str) -> None:
    body = b'{"type":"file","format":"text","content":"pwned"}' if method == "PUT" else b"{}"
    if method == "PATCH":
        body = b'{"path": "stolen.txt"}'
    status, text = raw(server, method, target.format(out=outside.name), body)
    assert status in (400, 403, 404), (status, text)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == SECRET
    assert not (server.root / "stolen.txt").exists()


def test_rename_and_copy_cannot_target_outside(api: httpx.Client, server, outside: Path) -> None:
    r = api.patch("api/contents/inside.txt", json={"path": f"../{outside.name}/moved.txt"})
    assert r.status_code == 403
    r = api.post("api/contents/", json={"copy_from": f"../{outside.name}/secret.txt"})
    assert r.status_code == 403
    r = api.post("api/contents/", json={"copy_from": "file-link-out"})
    assert r.status_code == 403
    assert (server.root / "inside.txt").read_text() == "inside"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_symlinks_inside_root_work_and_outside_ones_are_not_listed(api: httpx.Client, outside: Path) -> None:
    assert api.get("api/contents/link-in.txt").json()["content"] == "inside"
    names = {m["name"] for m in api.get("api/contents").json()["content"]}
    assert "link-in.txt" in names and "link-out" not in names and "file-link-out" not in names


def test_symlinks_out_allowed_by_setting(server_factory, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "data.txt").write_text("shared data")
    s = server_factory(env={"FOLIO_ALLOW_SYMLINKS_OUT_OF_ROOT": "true"})
    os.symlink(target, s.root / "shared")
    with s.client() as c:
        assert c.get("api/contents/shared/data.txt").json()["content"] == "shared data"
        assert c.get("api/contents/%2e%2e/elsewhere/data.txt").status_code == 403  # '..' is still refused
