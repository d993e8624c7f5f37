"""A minimal, fast kernel WebSocket client for ``v1.kernel.websocket.jupyter.org``, the same code for every server.

It decodes only what the benchmark needs (channel, header, parent msg_id, and content when asked) so the
client is not what is being measured.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from websockets.asyncio.client import ClientConnection, connect

V1 = "v1.kernel.websocket.jupyter.org"


def encode_v1(channel: str, header: dict, parent: dict, metadata: dict, content: dict,
              buffers: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    """Frame a message as the v1 protocol does: uint64-LE offset count, offsets, then the parts."""
    parts = [channel.encode(), orjson.dumps(header), orjson.dumps(parent), orjson.dumps(metadata),
             orjson.dumps(content), *buffers]
    n = len(parts) + 1
    offsets = [8 * (n + 1)]
    for p in parts:
        offsets.append(offsets[-1] + len(p))
    return struct.pack(f"<{n + 1}Q", n, *offsets) + b"".join(parts)


def split_v1(frame: bytes) -> list[memoryview]:
    """Return the parts [channel, header, parent, metadata, content, *buffers] as views (no copies)."""
    (n,) = struct.unpack_from("<Q", frame, 0)
    offsets = struct.unpack_from(f"<{n}Q", frame, 8)
    mv = memoryview(frame)
    return [mv[offsets[i] : offsets[i + 1]] for i in range(n - 1)]


@dataclass
class Msg:
    channel: str
    msg_type: str
    parent_id: str | None
    parts: list[memoryview]

    def content(self) -> dict:
        return orjson.loads(self.parts[4])


@dataclass
class RunResult:
    reply: dict | None = None
    stdout: list[str] = field(default_factory=list)
    stderr: str = ""

    @property
    def stdout_bytes(self) -> int:
        return sum(len(t) for t in self.stdout)


class KernelWS:
    """One kernel channels connection. ``request`` sends on shell and returns the msg_id."""

    def __init__(self, ws: ClientConnection, session_id: str):
        self.ws = ws
        self.session = session_id

    @classmethod
    async def open(cls, ws_base: str, kernel_id: str, headers: dict[str, str], timeout: float = 60) -> KernelWS:
        session_id = uuid.uuid4().hex
        url = f"{ws_base}api/kernels/{kernel_id}/channels?session_id={session_id}"
        ws = await connect(url, subprotocols=[V1], additional_headers=headers, max_size=None, max_queue=None,
                           compression=None, open_timeout=timeout, ping_interval=None, close_timeout=2)
        if ws.subprotocol != V1:
            await ws.close()
            raise RuntimeError(f"server did not select {V1} (got {ws.subprotocol!r})")
        sock = ws.transport.get_extra_info("socket")
        if sock is not None:  # asyncio already sets it; make it explicit since latency is what we measure
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(ws, session_id)

    def _header(self, msg_type: str) -> dict:
        return {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": self.session, "username": "bench",
                "date": datetime.now(UTC).isoformat(), "version": "5.3"}

    async def send(self, channel: str, msg_type: str, content: dict, parent: dict | None = None) -> str:
        h = self._header(msg_type)
        await self.ws.send(encode_v1(channel, h, parent or {}, {}, content))
        return h["msg_id"]

    async def execute(self, code: str, **extra: object) -> str:
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True, **extra}
        return await self.send("shell", "execute_request", content)

    async def recv(self, timeout: float | None = None) -> Msg:
        frame = await asyncio.wait_for(self.ws.recv(decode=False), timeout)
        parts = split_v1(frame)
        header = orjson.loads(parts[1])
        parent = orjson.loads(parts[2]) if len(parts[2]) > 2 else {}
        return Msg(bytes(parts[0]).decode(), header["msg_type"], parent.get("msg_id"), parts)

    async def kernel_info(self, timeout: float = 60) -> dict:
        msg_id = await self.send("shell", "kernel_info_request", {})
        async with asyncio.timeout(timeout):
            while True:
                m = await self.recv()
                if m.msg_type == "kernel_info_reply" and m.parent_id == msg_id:
                    return m.content()

    async def run(self, code: str, timeout: float = 60) -> RunResult:
        """Execute and wait for both execute_reply and iopub idle, as a notebook cell finishes."""
        msg_id = await self.execute(code)
        res = RunResult()
        idle = False
        async with asyncio.timeout(timeout):
            while res.reply is None or not idle:
                m = await self.recv()
                if m.parent_id != msg_id:
                    continue
                if m.msg_type == "stream":
                    c = m.content()
                    if c["name"] == "stdout":
                        res.stdout.append(c["text"])
                    else:
                        res.stderr += c["text"]
                elif m.msg_type == "execute_reply":
                    res.reply = m.content()
                elif m.msg_type == "status" and b'"idle"' in bytes(m.parts[4]):
                    idle = True
        return res

    async def close(self) -> None:
        await self.ws.close()
