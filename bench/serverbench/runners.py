"""Two ways to drive a kernel with one interface: through a server's REST + WebSocket API, or directly with
jupyter_client over ZMQ (the floor any server adds its overhead to)."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import httpx
from jupyter_client.manager import AsyncKernelManager

from .servers import Server
from .wsclient import KernelWS, RunResult


class BenchError(RuntimeError):
    """A case could not run against a target (e.g. the route is not there yet); shown in the table."""


def check(resp: httpx.Response, *ok: int) -> httpx.Response:
    if resp.status_code not in ok:
        body = resp.text[:200].replace("\n", " ")
        raise BenchError(f"{resp.request.method} {resp.request.url.path} -> {resp.status_code} {body}")
    return resp


class ServerKernel:
    """A kernel started with POST /api/kernels and driven over /api/kernels/{id}/channels."""

    def __init__(self, server: Server, http: httpx.AsyncClient):
        self.server = server
        self.http = http
        self.kernel_id: str | None = None
        self.ws: KernelWS | None = None

    async def create(self) -> None:
        r = check(await self.http.post("api/kernels", json={"name": "python3"}), 201)
        self.kernel_id = r.json()["id"]

    async def connect(self, timeout: float = 90) -> None:
        assert self.kernel_id
        self.ws = await KernelWS.open(self.server.ws_url, self.kernel_id, self.server.headers, timeout=timeout)
        await self.ws.kernel_info(timeout)

    async def start(self, timeout: float = 90) -> float:
        """Start and wait for the first kernel_info_reply; returns the seconds it took."""
        t0 = time.perf_counter()
        await self.create()
        await self.connect(timeout)
        return time.perf_counter() - t0

    async def run(self, code: str, timeout: float = 60) -> RunResult:
        assert self.ws
        return await self.ws.run(code, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            try:
                await self.ws.close()
            except Exception:
                pass
            self.ws = None
        if self.kernel_id is not None:
            try:
                await self.http.delete(f"api/kernels/{self.kernel_id}", timeout=30)
            except httpx.HTTPError:
                pass
            self.kernel_id = None


class DirectKernel:
    """A kernel started by jupyter_client in this process and driven over ZMQ, no server in between."""

    def __init__(self, cwd: Path, env: dict[str, str]):
        self.cwd = cwd
        self.env = env
        self.km: AsyncKernelManager | None = None
        self.kc = None

    async def start(self, timeout: float = 90) -> float:
        t0 = time.perf_counter()
        self.km = AsyncKernelManager(kernel_name="python3")
        # The kernel's own stderr (the TCP warning) would clutter the table; the servers keep it in their logs.
        await self.km.start_kernel(cwd=str(self.cwd), env=self.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        msg_id = self.kc.kernel_info()
        async with asyncio.timeout(timeout):
            while True:
                m = await self.kc.get_shell_msg(timeout=timeout)
                if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "kernel_info_reply":
                    break
        elapsed = time.perf_counter() - t0
        # Not timed (the servers do the same before their first reply): a SUB socket misses what is
        # published before its subscription is live, so ping until iopub answers, as jupyter_server's nudge.
        async with asyncio.timeout(timeout):
            while True:
                ping = self.kc.kernel_info()
                try:
                    while True:
                        m = await self.kc.get_iopub_msg(timeout=0.5)
                        if m["parent_header"].get("msg_id") == ping:
                            break
                    break
                except Exception:  # queue.Empty on timeout: not subscribed yet
                    continue
        await self._drain()
        return elapsed

    async def _drain(self) -> None:
        """Drop replies to the pings so later reads see only their own messages."""
        kc = self.kc
        assert kc is not None
        for get in (kc.get_shell_msg, kc.get_iopub_msg):
            while True:
                try:
                    await get(timeout=0.05)
                except Exception:
                    break

    async def run(self, code: str, timeout: float = 60) -> RunResult:
        kc = self.kc
        assert kc is not None
        msg_id = kc.execute(code, stop_on_error=True)
        res = RunResult()
        async with asyncio.timeout(timeout):
            while True:
                m = await kc.get_shell_msg(timeout=timeout)
                if m["parent_header"].get("msg_id") == msg_id:
                    res.reply = m["content"]
                    break
            while True:
                m = await kc.get_iopub_msg(timeout=timeout)
                if m["parent_header"].get("msg_id") != msg_id:
                    continue
                t = m["msg_type"]
                if t == "stream":
                    if m["content"]["name"] == "stdout":
                        res.stdout.append(m["content"]["text"])
                    else:
                        res.stderr += m["content"]["text"]
                elif t == "status" and m["content"]["execution_state"] == "idle":
                    break
        return res

    async def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                await asyncio.wait_for(self.km.shutdown_kernel(now=False), 30)
            except Exception:
                await self.km.shutdown_kernel(now=True)
            self.km = None
