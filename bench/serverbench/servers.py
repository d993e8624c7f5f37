"""Start folio and jupyter_server side by side on 127.0.0.1, each with its own temp root and Jupyter dirs.

Both run with their defaults (only port, token, root and "no browser" are set) because the point of the
benchmark is what a user gets out of the box.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil


def isolated_env(base: Path) -> dict[str, str]:
    """Environment with Jupyter's and IPython's folders under ``base`` so nothing touches the user's setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLIO_", "JUPYTER_", "JPY_"))}
    for name in ("runtime", "data", "config"):
        d = base / name
        d.mkdir(parents=True, exist_ok=True)
        env[f"JUPYTER_{name.upper()}_DIR"] = str(d)
    env["IPYTHONDIR"] = str(base / "ipython")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    # Kernels would otherwise try to open a GUI backend when matplotlib is imported.
    env["MPLBACKEND"] = "agg"
    return env


@dataclass
class Server:
    """One running server child process. ``url`` ends with '/'."""

    name: str
    root: Path
    token: str
    proc: subprocess.Popen[str]
    url: str
    log_lines: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(self.log_lines[-n:])

    def rss_bytes(self) -> int:
        """RSS of the server process plus any helper children that are not kernels."""
        p = psutil.Process(self.pid)
        total = p.memory_info().rss
        for c in p.children(recursive=True):
            try:
                if not _is_kernel(c):
                    total += c.memory_info().rss
            except psutil.Error:
                pass
        return total

    def stop(self) -> None:
        """SIGTERM the server (it shuts its kernels down), then kill by pid whatever it left behind."""
        try:
            kids = psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            kids = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        _, alive = psutil.wait_procs(kids, timeout=5)
        for k in alive:
            try:
                k.kill()
            except psutil.Error:
                pass


def _is_kernel(p: psutil.Process) -> bool:
    try:
        return any("kernel" in part for part in p.cmdline())
    except psutil.Error:
        return False


def _spawn(
    name: str, cmd: list[str], env: dict[str, str], root: Path, token: str, url_re: str, timeout: float
) -> Server:
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=root
    )
    lines: list[str] = []
    found: list[str] = []
    got = threading.Event()

    def pump() -> None:
        # Always drain stderr: a full pipe would stall the server mid-benchmark.
        assert proc.stderr is not None
        for line in proc.stderr:
            line = line.rstrip("\n")
            lines.append(line)
            if len(lines) > 5000:
                del lines[:1000]
            if not found:
                m = re.search(url_re, line)
                if m:
                    found.append(m.group(1))
                    got.set()
        got.set()

    threading.Thread(target=pump, daemon=True, name=f"{name}-stderr").start()
    got.wait(timeout)
    server = Server(name=name, root=root, token=token, proc=proc, url=found[0] if found else "", log_lines=lines)
    if not found or proc.poll() is not None:
        server.stop()
        raise RuntimeError(f"{name} did not start:\n" + "\n".join(lines[-30:]))
    # The URL line can come before the routes answer; wait for GET /api.
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(server.url + "api", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"{name} never answered GET /api:\n" + "\n".join(lines[-30:]))
        time.sleep(0.05)


def start_folio(base: Path, token: str, timeout: float = 60) -> Server:
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "folio",
        "serve",
        "--ip",
        "127.0.0.1",
        "--port",
        "0",
        "--no-browser",
        "--token",
        token,
        "--root",
        str(root),
    ]
    return _spawn("folio", cmd, isolated_env(base / "jupyter"), root, token, r"FOLIO_URL=(\S+/)", timeout)


def start_jupyter_server(base: Path, token: str, timeout: float = 60) -> Server:
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        # Only so it runs in containers where the bench runs as root; changes no behaviour measured here.
        "--allow-root",
    ]
    return _spawn(
        "jupyter_server", cmd, isolated_env(base / "jupyter"), root, token, r"(http://127\.0\.0\.1:\d+/)", timeout
    )


# JupyterLab's settings for a benchmark run, written to the isolated user-settings folder: only the news feed and
# the update check are off (they would make requests to the internet and put a "get notified?" toast on the page).
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def start_jupyterlab(base: Path, token: str, timeout: float = 90, settings: dict[str, dict] | None = None) -> Server:
    """JupyterLab (``pip install jupyterlab``, i.e. ``pip install -e '.[bench]'``) on jupyter_server.

    Like ``start_jupyter_server``: 127.0.0.1, an ephemeral port, token auth, Jupyter's folders under ``base``.
    JupyterLab's user settings and workspaces go there too (``JUPYTERLAB_SETTINGS_DIR``,
    ``JUPYTERLAB_WORKSPACES_DIR``), with ``LAB_USER_SETTINGS`` (or ``settings``: plugin id → values) written as
    user settings; the news feed and the update check are also off on the server side. Everything else is
    JupyterLab's default. ``Server.stop`` stops it by pid.
    """
    import json

    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    env = isolated_env(base / "jupyter")
    lab = base / "jupyter" / "lab"
    env["JUPYTERLAB_SETTINGS_DIR"] = str(lab / "user-settings")
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(lab / "workspaces")
    for plugin, values in (LAB_USER_SETTINGS if settings is None else settings).items():
        pkg, _, name = plugin.rpartition("/")
        f = lab / "user-settings" / pkg / f"{name}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values, indent=2))
    (lab / "workspaces").mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # Only so it runs in containers where the bench runs as root; changes no behaviour measured here.
        "--allow-root",
    ]
    return _spawn("jupyterlab", cmd, env, root, token, r"(http://127\.0\.0\.1:\d+/)", timeout)


def clear_lab_workspaces(base: Path) -> None:
    """Forget JupyterLab's saved layouts (open tabs, etc.) so the next page load starts like the first one."""
    for f in (base / "jupyter" / "lab" / "workspaces").glob("*"):
        if f.is_file():
            f.unlink()
