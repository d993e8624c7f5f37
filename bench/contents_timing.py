"""Quick local timing of the contents API (not a test): save/open a big notebook, list a big folder.

    python bench/contents_timing.py [--mb 50] [--files 5000] [--url URL --token T --root DIR]

Without --url it starts ``folio serve`` on a free port in a temp folder. Prints the median of a few runs.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson


def make_notebook(target_mb: int, seed: int = 0) -> dict:
    """A notebook of about target_mb MB: code cells with stream text, PNG, HTML and JSON outputs, markdown."""
    rnd = random.Random(seed)
    cells, size, i = [], 0, 0
    while size < target_mb * 1024 * 1024:
        i += 1
        src = "\n".join(f"x_{j} = compute({j}, 'value {rnd.random()}')" for j in range(20))
        kind = i % 4
        if kind == 0:
            text = "".join(f"line {j}: {rnd.random()} some output text here\n" for j in range(400))
            out = {"output_type": "stream", "name": "stdout", "text": text}
        elif kind == 1:
            text = base64.encodebytes(rnd.randbytes(60000)).decode()
            out = {"output_type": "display_data", "data": {"image/png": text, "text/plain": "<Figure>"},
                   "metadata": {"image/png": {"width": 640}}}
        elif kind == 2:
            text = "".join(f"<tr><td>{j}</td><td>{rnd.random()}</td></tr>\n" for j in range(300))
            out = {"output_type": "execute_result", "execution_count": i, "metadata": {},
                   "data": {"text/html": text, "text/plain": "table"}}
        else:
            text = "x" * 4000
            out = {"output_type": "display_data", "metadata": {},
                   "data": {"application/json": {"a": [rnd.random() for _ in range(200)]}}}
        size += len(text) + len(src) + 300
        cells.append({"cell_type": "code", "id": f"c{i}", "execution_count": i, "metadata": {}, "source": src,
                      "outputs": [out]})
        cells.append({"cell_type": "markdown", "id": f"m{i}", "metadata": {},
                      "source": "# Title\n\nSome *markdown* text é ü 漢字\n" * 3})
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "nbformat": 4, "nbformat_minor": 5}


def timed(fn, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=50)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--url")
    ap.add_argument("--token", default="bench")
    ap.add_argument("--root")
    args = ap.parse_args()
    proc = None
    root = Path(args.root or tempfile.mkdtemp(prefix="folio-bench-"))
    url = args.url
    if url is None:
        proc = subprocess.Popen(
            [sys.executable, "-m", "folio", "serve", "--port", "0", "--no-browser", "--token", args.token,
             "--root", str(root), "--log-level", "warning"], stderr=subprocess.PIPE, text=True)
        for line in proc.stderr:  # type: ignore[union-attr]
            if line.startswith("FOLIO_URL="):
                url = line.strip().split("=", 1)[1]
                break
    try:
        c = httpx.Client(base_url=url, headers={"Authorization": f"token {args.token}"}, timeout=120)
        nb = make_notebook(args.mb)
        body = orjson.dumps({"type": "notebook", "format": "json", "content": nb})
        print(f"notebook body {len(body) / 1e6:.1f} MB")
        hdr = {"Content-Type": "application/json"}
        save = timed(lambda: c.put("api/contents/big.ipynb", content=body, headers=hdr).raise_for_status(), args.runs)
        print(f"on disk {os.path.getsize(root / 'big.ipynb') / 1e6:.1f} MB")
        open_ = timed(lambda: c.get("api/contents/big.ipynb?type=notebook&content=1&hash=1").json(), args.runs)
        (root / "many").mkdir(exist_ok=True)
        for i in range(args.files):
            (root / "many" / f"file_{i:05d}.{'py' if i % 3 else 'txt'}").write_bytes(b"x")
        c.get("api/contents/many?content=1").raise_for_status()
        listing = timed(lambda: c.get("api/contents/many?content=1").json(), args.runs)
        print(f"save {args.mb} MB notebook: {save:.0f} ms; open: {open_:.0f} ms; "
              f"list {args.files} files: {listing:.0f} ms")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
