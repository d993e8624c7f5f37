"""Inputs for the benchmark: realistic large notebooks and a big folder, generated deterministically."""

from __future__ import annotations

import base64
import random
import struct
import zlib
from pathlib import Path

import orjson

LINES_N = 200_000
LINES_CODE = f"for i in range({LINES_N}): print(i)"
LINES_EXPECTED = "".join(f"{i}\n" for i in range(LINES_N))
BIG_PRINT_N = 50_000_000
BIG_PRINT_CODE = f"print('x'*{BIG_PRINT_N:_})"
BIG_PRINT_EXPECTED_BYTES = BIG_PRINT_N + 1  # the trailing newline


def _png(rng: random.Random, width: int, height: int) -> bytes:
    """A valid RGB PNG of noise: it barely compresses, like a dense plot does in practice."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def make_notebook(target_bytes: int, seed: int = 0) -> dict:
    """An nbformat 4.5 notebook of about ``target_bytes`` of JSON: code cells with stream and
    execute_result text, a markdown cell now and then, and a base64 PNG plot every 10th cell
    (about 60 % of the bytes are images, as in a typical analysis notebook)."""
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "loss", "epoch", "value", "mean", "std", "count", "df", "x", "y"]
    cells: list[dict] = []
    size = 200
    i = 0
    while size < target_bytes:
        i += 1
        if i % 7 == 0:
            text = " ".join(rng.choice(words) for _ in range(60))
            cell = {"id": f"md{i:06d}", "cell_type": "markdown", "metadata": {}, "source": f"## Step {i}\n\n{text}"}
        else:
            src = "\n".join(f"{rng.choice(words)}_{j} = compute({rng.choice(words)!r}, n={rng.randint(1, 999)})"
                            for j in range(rng.randint(3, 12)))
            lines = "".join(f"epoch {k:4d}  loss={rng.random():.6f}  acc={rng.random():.4f}\n"
                            for k in range(rng.randint(40, 160)))
            outputs: list[dict] = [{"output_type": "stream", "name": "stdout", "text": lines}]
            if i % 10 == 3:
                png = base64.b64encode(_png(rng, 200, 120)).decode()
                outputs.append({"output_type": "display_data", "metadata": {},
                                "data": {"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"}})
            outputs.append({"output_type": "execute_result", "execution_count": i, "metadata": {},
                            "data": {"text/plain": repr([round(rng.random(), 4) for _ in range(20)])}})
            cell = {"id": f"c{i:06d}", "cell_type": "code", "execution_count": i, "metadata": {},
                    "source": src, "outputs": outputs}
        cells.append(cell)
        size += len(orjson.dumps(cell)) + 1
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                        "language": "python"},
                         "language_info": {"name": "python", "version": "3.11"}}}


def put_body(nb: dict) -> bytes:
    """The PUT /api/contents body JupyterLab sends for a notebook save, serialised once."""
    return orjson.dumps({"type": "notebook", "format": "json", "content": nb})


def make_folder(path: Path, n: int) -> None:
    """``n`` small files, a mix of kinds, written straight to disk (setup, not measured)."""
    path.mkdir(parents=True, exist_ok=True)
    exts = [".py", ".txt", ".csv", ".md", ".json"]
    for i in range(n):
        (path / f"file{i:05d}{exts[i % len(exts)]}").write_bytes(b"x = 1\n" * (1 + i % 20))
