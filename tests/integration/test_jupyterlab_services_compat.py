"""folio against a Jupyter client library folio's team did not write: @jupyterlab/services, the package
JupyterLab, Notebook 7 and VS Code talk to a server through.

tests/compat/compat.js drives the whole life of a notebook (kernelspecs, contents, session, kernel over
the WebSocket, stdin, interrupt, restart, save, shutdown) and writes a JSON report. The same script runs
against jupyter_server too, so a failure there means the script (or the pinned library) is wrong, not folio.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

COMPAT = Path(__file__).resolve().parents[1] / "compat"
# Generous: CI machines are small and a loaded 2-core box runs this whole flow in ~1 minute.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        # Deliberately a failure, not a skip: CI has Node and npm, and a silently skipped
        # compatibility test would hide exactly the breakage it exists to catch.
        pytest.fail(f"`{name}` is not on PATH; this test needs Node.js 20+ and npm (apt-get install nodejs npm)")
    return path


@pytest.fixture(scope="session")
def compat_node() -> str:
    """`npm ci` into tests/compat/node_modules once; reused while package-lock.json is unchanged."""
    node, npm = _tool("node"), _tool("npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    major = int(re.match(r"v(\d+)", version).group(1))  # type: ignore[union-attr]
    if major < 20:
        pytest.fail(f"Node.js 20+ is needed for @jupyterlab/services over `ws`; found {version}")
    lock_hash = hashlib.sha256((COMPAT / "package-lock.json").read_bytes()).hexdigest()
    stamp = COMPAT / "node_modules" / ".folio-lock-sha256"
    installed = (COMPAT / "node_modules" / "@jupyterlab" / "services" / "package.json").exists()
    if not (installed and stamp.exists() and stamp.read_text() == lock_hash):
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=COMPAT,
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            pytest.fail(f"npm ci failed in {COMPAT} (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
        stamp.write_text(lock_hash)
    return node


def run_compat(node: str, base_url: str, token: str, tmp_path: Path) -> dict:
    report_file = tmp_path / "compat-report.json"
    proc = subprocess.run(
        [node, "compat.js", "--base-url", base_url, "--token", token, "--report", str(report_file),
         "--timeout", "280"],
        cwd=COMPAT, capture_output=True, text=True, timeout=330,
    )
    report = json.loads(report_file.read_text()) if report_file.exists() else None
    if proc.returncode != 0 or report is None or not report["ok"]:
        failures = "\n".join(report["failures"]) if report else "(no report written)"
        raise AssertionError(
            f"@jupyterlab/services compat run against {base_url} failed (exit {proc.returncode}):\n"
            f"{failures}\n--- node stderr (tail) ---\n{proc.stderr[-4000:]}"
        )
    return report


def assert_full_report(report: dict) -> None:
    names = [s["name"] for s in report["steps"]]
    for expected in ("service manager ready", "list kernelspecs", "create notebook", "open notebook", "file browser",
                     "upload", "start session", "connect to kernel", "execute", "error output", "display_data",
                     "completion", "comm with binary buffers", "input()", "interrupt", "reconnect", "restart",
                     "kernel dies", "change kernel", "save notebook", "shut down"):
        assert any(n.startswith(expected) for n in names), f"step {expected!r} missing from {names}"
    assert all(s["ok"] or s["optional"] for s in report["steps"]), report["steps"]
    assert report["protocol"] == "v1.kernel.websocket.jupyter.org"
    for w in report["warnings"]:
        # Optional features JupyterLab degrades without (it logs and retries): visible, not failing.
        warnings.warn(f"@jupyterlab/services compat (optional): {w}", stacklevel=2)


def test_jupyterlab_services_against_folio(server_factory, compat_node: str, tmp_path: Path) -> None:
    server = server_factory()
    try:
        report = run_compat(compat_node, server.url, server.token, tmp_path)
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- folio log (tail) ---\n" + "\n".join(server.log_lines[-60:])) from None
    assert_full_report(report)
    execute = next(s for s in report["steps"] if s["name"].startswith("execute"))
    assert execute["detail"]["iopub"] == ["status", "execute_input", "stream", "execute_result", "status"]


@pytest.fixture
def jupyter_server_url(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The reference implementation, with default settings, on an ephemeral port."""
    root = tmp_path / "jsroot"
    root.mkdir()
    token = "compat-" + os.urandom(8).hex()
    cmd = [sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
           "--allow-root"]
    # Its default delete_to_trash would move deleted files into the user's real trash folder.
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=env)
    urls: list[str] = []
    seen = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
            if m and not urls:
                urls.append(m.group(1))
                seen.set()
        seen.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        seen.wait(60)
        if not urls:
            pytest.fail("jupyter_server did not start (is it installed? it is in the test extras)")
        httpx.get(urls[0] + "api", timeout=10).raise_for_status()
        yield urls[0], token
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_compat_script_itself_passes_against_jupyter_server(jupyter_server_url, compat_node: str,
                                                             tmp_path: Path) -> None:
    url, token = jupyter_server_url
    report = run_compat(compat_node, url, token, tmp_path)
    # The reference passes the optional checks too, which shows those checks are right.
    assert report["warnings"] == []
    assert_full_report(report)
