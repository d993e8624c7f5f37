"""Take the README screenshots: the file browser and a notebook with real outputs, 1280×800.

Usage (from the repository root): python docs/screenshots/take.py [--out docs/screenshots]

Starts `folio serve` on a temp root with a few folders and files, opens a notebook in headless Chromium
(Debian's /usr/bin/chromium, driven by Playwright), runs each cell with Shift-Enter as a user would (so
the plot, table, math, traceback and stream output are real), saves `notebook.png`, then opens the file
browser and saves `file-browser.png`. Stops the server it started (by pid) on the way out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "screenshots"
KERNEL_TIMEOUT = 60_000

CELLS = [
    (
        "markdown",
        "## Damped oscillation\n\n"
        "A spring with damping time $\\tau$ and frequency $f$ moves as "
        "$$x(t) = e^{-t/\\tau} \\cos(2 \\pi f t), \\qquad E = \\int_0^\\infty x(t)^2 \\, dt.$$",
    ),
    (
        "code",
        "import numpy as np, matplotlib.pyplot as plt; from IPython.display import HTML\n"
        "tau, f, t = 2.0, 1.5, np.linspace(0, 6, 600)\n"
        "plt.figure(figsize=(9, 1.15), dpi=80)\n"
        'plt.plot(t, np.exp(-t / tau) * np.cos(2 * np.pi * f * t)); plt.plot(t, np.exp(-t / tau), "--"); plt.show()\n'
        'print(f"x(0.25) = {np.exp(-0.25 / tau) * np.cos(2 * np.pi * f * 0.25):+.3f}")\n'
        'rows = "".join(f"<tr><td>{s}</td><td>{np.exp(-s / tau):.3f}</td></tr>" for s in (1, 4))\n'
        'HTML(f"<table><tr><th>t (s)</th><th>envelope</th></tr>{rows}</table>")',
    ),
    ("code", "quality = 1 / (tau - 2.0)  # critically damped: no quality factor"),
]


def make_root(root: Path) -> None:
    now = time.time()
    files = {
        "data/measurements-2026-11.csv": "t,x\n" + "".join(f"{i / 10},{(-1) ** i * 0.9**i:.4f}\n" for i in range(400)),
        "data/spring-constants.json": json.dumps({"k": [12.5, 13.1, 12.9]}, indent=1),
        "experiments/fit-damping.ipynb": json.dumps(_nb([("code", "print('fit')")])),
        "experiments/sweep-frequency.ipynb": json.dumps(_nb([("code", "print('sweep')")])),
        "reports/summary.md": "# Summary\n\nDamping time is about 2 s.\n",
        "README.md": "# Oscillator lab\n\nNotebooks and data for the damped spring experiment.\n",
        "requirements.txt": "numpy\nmatplotlib\n",
        "analysis.py": "import math\n\n\ndef envelope(t, tau):\n    return math.exp(-t / tau)\n",
        "damped-oscillation.ipynb": json.dumps(_nb(CELLS)),
    }
    for i, (name, text) in enumerate(files.items()):
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        t = now - 3600 * (5 + 7 * i)  # spread the modified times over a few days
        os.utime(p, (t, t))
    for i, d in enumerate(("data", "experiments", "reports")):
        t = now - 86400 * (i + 1)
        os.utime(root / d, (t, t))


def _nb(cells: list[tuple[str, str]]) -> dict:
    out = []
    for kind, src in cells:
        c: dict = {"cell_type": kind, "metadata": {}, "source": src}
        if kind == "code":
            c.update(outputs=[], execution_count=None)
        out.append(c)
    return {
        "cells": out,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def start_server(root: Path, jupyter: Path) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLIO_", "JUPYTER_", "JPY_", "MPLBACKEND"))}
    for name in ("runtime", "data", "config"):
        (jupyter / name).mkdir(parents=True, exist_ok=True)
        env[f"JUPYTER_{name.upper()}_DIR"] = str(jupyter / name)
    env["IPYTHONDIR"] = str(jupyter / "ipython")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "folio", "serve", "--port", "0", "--no-browser", "--token", TOKEN, "--root", str(root)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=root,
    )
    found: list[str] = []
    got = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:  # keep draining: a full pipe would stall the server
            m = re.search(r"FOLIO_URL=(\S+/)", line)
            if m and not found:
                found.append(m.group(1))
                got.set()
        got.set()

    threading.Thread(target=pump, daemon=True).start()
    got.wait(60)
    if not found:
        stop_server(proc)
        raise RuntimeError("folio serve did not print FOLIO_URL")
    return proc, found[0]


def stop_server(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # folio shuts its kernels down on SIGTERM
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def take(url: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
            ctx.set_default_timeout(30_000)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(f"{url}notebooks/damped-oscillation.ipynb?token={TOKEN}")
            status = page.locator("#kernel-status")
            expect(status).to_have_attribute("data-status", "idle", timeout=KERNEL_TIMEOUT)
            cells = page.locator(".cells > .cell")
            # Select the first cell (markdown, shown rendered), then Shift-Enter down the notebook.
            cells.nth(0).locator(".rendered-md").click()
            for i in range(len(CELLS)):
                page.keyboard.press("Shift+Enter")
                if CELLS[i][0] == "code":
                    # Each run must finish before the next: wait for its execution count.
                    expect(cells.nth(i).locator(".prompt")).to_have_text(
                        re.compile(r"\[\d+\]:"), timeout=KERNEL_TIMEOUT
                    )
            expect(status).to_have_attribute("data-status", "idle", timeout=KERNEL_TIMEOUT)
            expect(cells.nth(1).locator("img")).to_be_visible()
            expect(cells.nth(2).locator(".output-row")).to_contain_text("ZeroDivisionError")
            # Shift-Enter on the last cell added an empty one, as in Jupyter: delete it (Esc, D D) and save.
            page.keyboard.press("Escape")
            page.keyboard.press("d")
            page.keyboard.press("d")
            expect(cells).to_have_count(len(CELLS))
            page.keyboard.press("Control+s")
            expect(page.get_by_text("Unsaved changes")).to_have_count(0)
            # The whole notebook is a little taller than the window: show it down to the end of the traceback.
            page.evaluate("document.querySelector('.cells > .cell:last-child').scrollIntoView({block: 'end'})")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "notebook.png"))

            page.goto(f"{url}tree?token={TOKEN}")
            expect(page.get_by_text("damped-oscillation.ipynb")).to_be_visible()
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "file-browser.png"))
            ctx.close()
            if errors:
                raise RuntimeError(f"JavaScript errors in the page: {errors}")
        finally:
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="folio-shots-") as tmp:
        root = Path(tmp) / "oscillator-lab"
        root.mkdir()
        make_root(root)
        proc, url = start_server(root, Path(tmp) / "jupyter")
        try:
            take(url, args.out)
        finally:
            stop_server(proc)
    print(f"wrote {args.out / 'notebook.png'} and {args.out / 'file-browser.png'}")


if __name__ == "__main__":
    main()
