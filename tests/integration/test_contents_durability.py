"""Saves are atomic: a killed writer or a refused notebook leaves the old bytes on disk, and no temp junk shows."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx

from folio.contents.atomic import TEMP_PREFIX

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from folio.contents.atomic import atomic_write

    def chunks():
        yield b"NEW CONTENT " * 100_000
        print("writing", flush=True)
        while True:  # a huge payload that is still being written when the process is killed
            time.sleep(0.005)
            yield b"x" * 65536

    atomic_write(Path(sys.argv[1]), chunks())
    """
)


def test_killed_writer_leaves_old_file_intact_and_no_junk_listed(server, api: httpx.Client) -> None:
    folder = server.root / "durable"
    folder.mkdir()
    target = folder / "data.txt"
    old = b"old content that must survive\n" * 1000
    target.write_bytes(old)

    child = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "writing"
    temps = [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    assert temps and temps[0].stat().st_size > 0  # the new bytes really were going to disk, next to the target
    child.send_signal(signal.SIGKILL)
    child.wait(10)

    assert target.read_bytes() == old
    listing = api.get("api/contents/durable", params={"content": 1}).json()
    assert [m["name"] for m in listing["content"]] == ["data.txt"]
    assert api.get(f"api/contents/durable/{temps[0].name}").status_code == 404
    assert api.get("api/contents/durable/data.txt").json()["content"] == old.decode()


def test_invalid_notebook_save_is_refused_and_file_untouched(api: httpx.Client, server) -> None:
    good = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    assert api.put("api/contents/keep.ipynb", json={"type": "notebook", "content": good}).status_code == 201
    before = (server.root / "keep.ipynb").read_bytes()

    broken = [
        {"cells": [{"cell_type": "code", "source": "x"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
        {"cells": "nope", "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
        {"nbformat": 4},
        "just a string",
    ]
    for content in broken:
        r = api.put("api/contents/keep.ipynb", json={"type": "notebook", "format": "json", "content": content})
        assert r.status_code == 400, r.text
        assert r.json()["message"] and "reason" in r.json()
        assert (server.root / "keep.ipynb").read_bytes() == before
    assert not [p for p in server.root.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_broken_notebook_on_disk_opens_with_a_clear_400(api: httpx.Client, server: object) -> None:
    root: Path = server.root  # type: ignore[attr-defined]
    (root / "not-json.ipynb").write_text("{ this is not json")
    (root / "bad-schema.ipynb").write_text(json.dumps({"cells": [{"cell_type": "nope"}], "metadata": {},
                                                       "nbformat": 4, "nbformat_minor": 5}))
    (root / "empty.ipynb").write_bytes(b"")
    for name in ("not-json.ipynb", "bad-schema.ipynb", "empty.ipynb"):
        before = (root / name).read_bytes()
        r = api.get(f"api/contents/{name}")
        assert r.status_code == 400, r.text
        assert name in r.json()["message"]
        assert (root / name).read_bytes() == before
        # the raw text is still reachable, so a user can repair the file
        assert api.get(f"api/contents/{name}", params={"type": "file", "format": "text"}).status_code == 200
    assert "NotJSONError" in api.get("api/contents/not-json.ipynb").json()["message"]
