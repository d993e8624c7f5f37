"""Quick local timing of the contents API (not a test): save/open a big notebook, list a big folder.

    python bench/contents_timing.py [--mb 50] [--files 5000] [--url URL --token T --root DIR]

Without --url it starts ``folio serve`` on a free port in a temp folder. Prints the median of a few runs.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson


def make_notebook(target_mb: int, seed: int = 0) -> dict:
    """About target_mb MB: many small code cells with stream text and a repr result, a PNG every 10th cell,
    markdown now and then (most bytes are images, as in a typical analysis notebook)."""
    rnd = random.Random(seed)
    words = ["alpha", "beta", "loss", "epoch", "value", "mean", "df", "x"]
    cells: list[dict] = []
    size, i = 0, 0
    while size < target_mb * 1024 * 1024:
        i += 1
        if i % 7 == 0:
            text = " ".join(rnd.choice(words) for _ in range(60))
            cells.append({"id": f"md{i}", "cell_type": "markdown", "metadata": {}, "source": f"## Step {i}\n\n{text}"})
            size += len(text)
            continue
        n = rnd.randint(3, 12)
        src = "\n".join(f"{rnd.choice(words)}_{j} = compute(n={rnd.randint(1, 999)})" for j in range(n))
        lines = "".join(f"epoch {k:4d}  loss={rnd.random():.6f}\n" for k in range(rnd.randint(40, 160)))
        outputs: list[dict] = [{"output_type": "stream", "name": "stdout", "text": lines}]
        if i % 10 == 3:
            png = base64.b64encode(rnd.randbytes(90_000)).decode()
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"}})
            size += len(png)
        outputs.append({"output_type": "execute_result", "execution_count": i, "metadata": {},
                        "data": {"text/plain": repr([round(rnd.random(), 4) for _ in range(20)])}})
        cells.append({"id": f"c{i}", "cell_type": "code", "execution_count": i, "metadata": {}, "source": src,
                      "outputs": outputs})
        size += len(src) + len(lines) + 400
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
            "nbformat": 4, "nbformat_minor": 5}


def timed(fn, n: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def request(url: str, token: str, method: str, path: str, body: bytes = b"") -> bytes:
    """A bare http.client request: httpx costs ~200 ms of client time per 50 MB, which is not the server's."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    try:
        conn.request(method, u.path + path, body=body,
                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:300]!r}")
        return data
    finally:
        conn.close()


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
    assert url is not None
    try:
        body = orjson.dumps({"type": "notebook", "format": "json", "content": make_notebook(args.mb)})
        print(f"PUT body {len(body) / 1e6:.1f} MB")
        request(url, args.token, "PUT", "api/contents/big.ipynb", body)  # first save creates file + checkpoint
        save, saves = timed(lambda: request(url, args.token, "PUT", "api/contents/big.ipynb", body), args.runs)
        print(f"on disk {os.path.getsize(root / 'big.ipynb') / 1e6:.1f} MB")
        open_, opens = timed(lambda: request(url, args.token, "GET", "api/contents/big.ipynb?type=notebook&content=1"),
                             args.runs)
        (root / "many").mkdir(exist_ok=True)
        for i in range(args.files):
            (root / "many" / f"file_{i:05d}.{'py' if i % 3 else 'txt'}").write_bytes(b"x")
        request(url, args.token, "GET", "api/contents/many")
        listing, lists = timed(lambda: request(url, args.token, "GET", "api/contents/many"), args.runs * 2)
        print(f"save {args.mb} MB notebook: median {save:.0f} ms {[round(t) for t in saves]}")
        print(f"open {args.mb} MB notebook: median {open_:.0f} ms {[round(t) for t in opens]}")
        print(f"list {args.files} files: median {listing:.0f} ms {[round(t) for t in lists]}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
