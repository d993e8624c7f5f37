"""Shared fixtures: isolated Jupyter dirs, a real ``folio serve`` on an ephemeral port, an API client."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests get one retry: on a 2-core machine running four workers, a page can miss a 15 s
    expectation for reasons that are the machine's, not folio's. A second failure fails the run."""
    for item in items:
        if item.get_closest_marker("e2e") is not None and item.get_closest_marker("flaky") is None:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


@pytest.fixture(scope="session", autouse=True)
def jupyter_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep Jupyter's runtime, data and config folders and IPython's in a temp folder for the whole run."""
    base = tmp_path_factory.mktemp("jupyter")
    saved = dict(os.environ)
    for k in list(os.environ):
        if k.startswith("FOLIO_"):
            del os.environ[k]
    for name in ("runtime", "data", "config"):
        (base / name).mkdir()
        os.environ[f"JUPYTER_{name.upper()}_DIR"] = str(base / name)
    os.environ["IPYTHONDIR"] = str(base / "ipython")
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    yield base
    os.environ.clear()
    os.environ.update(saved)


@dataclass
class ServerProcess:
    """A ``folio serve`` child process. ``url`` ends with '/'."""

    root: Path
    token: str
    proc: subprocess.Popen[str]
    url: str
    log_lines: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def port(self) -> int:
        return int(re.search(r":(\d+)/", self.url).group(1))  # type: ignore[union-attr]

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[len("http") :]

    def client(self, **kw: object) -> httpx.Client:
        headers = {"Authorization": f"token {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)  # type: ignore[arg-type]

    def log(self) -> str:
        return "\n".join(self.log_lines)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_server(
    root: Path,
    *args: str,
    token: str | None = None,
    port: int = 0,
    env: dict[str, str] | None = None,
    timeout: float = 30,
) -> ServerProcess:
    token = secrets.token_hex(8) if token is None else token
    cmd = [sys.executable, "-m", "folio", "serve", "--port", str(port), "--root", str(root), "--no-browser",
           "--token", token, *args]
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=full_env)
    lines: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith("FOLIO_URL="):
                found.append(line.strip().split("=", 1)[1])
            if "server started" in line:
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    ready.wait(timeout)
    if not found or proc.poll() is not None:
        proc.kill()
        raise RuntimeError("folio serve did not start:\n" + "\n".join(lines))
    return ServerProcess(root=root, token=token, proc=proc, url=found[0], log_lines=lines)


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[object]:
    """Start servers on demand; every one started is stopped at the end of the test."""
    started: list[ServerProcess] = []

    def make(*args: str, root: Path | None = None, **kw: object) -> ServerProcess:
        r = root or (tmp_path / f"root{len(started)}")
        r.mkdir(exist_ok=True)
        s = start_server(r, *args, **kw)  # type: ignore[arg-type]
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, jupyter_dirs: Path) -> Iterator[ServerProcess]:
    """One server per test module, rooted in a fresh temp folder."""
    root = tmp_path_factory.mktemp("root")
    s = start_server(root)
    yield s
    s.stop()
    if s.proc.returncode not in (0, -signal.SIGTERM):
        print(s.log())


@pytest.fixture
def api(server: ServerProcess) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until it returns a truthy value; the value is returned, or AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
