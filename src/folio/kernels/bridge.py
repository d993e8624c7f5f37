"""The ZMQ <-> client message bridge for one kernel.

One set of ZMQ sockets per kernel (shell, control, stdin DEALERs sharing one identity; an iopub SUB), opened
when the kernel starts, instead of four per websocket as in jupyter_server: fewer file descriptors, and the
"slow joiner" wait happens once per kernel rather than on every connect. Replies on shell, control and stdin
go back to the client that sent the request, found by the request's msg_id; iopub goes to every client.

While a client session is away its messages are kept in a bounded buffer and replayed, in order, when a
client reconnects with the same session id — also when other clients stayed connected meanwhile.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import orjson
import zmq
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import DELIM

from folio.kernels.wire import CHANNELS, RawMessage

log = logging.getLogger("folio.kernels")

# Messages whose status updates do not move the kernel's execution_state (as jupyter_server's
# untracked_message_types), so that kernel_info pings do not make a kernel look busy.
UNTRACKED = frozenset({
    "comm_info_request", "comm_info_reply", "kernel_info_request", "kernel_info_reply", "shutdown_request",
    "shutdown_reply", "interrupt_request", "interrupt_reply", "debug_request", "debug_reply", "stream",
    "display_data", "update_display_data", "execute_input", "execute_result", "error", "status", "clear_output",
    "debug_event", "input_request", "input_reply",
})
_PENDING_MAX = 100_000


class Tap(Protocol):
    """Something that watches a kernel's traffic (the server-side output recorder does)."""

    def client_message(self, msg: RawMessage) -> None: ...

    def kernel_message(self, msg: RawMessage) -> None: ...

    def clients_changed(self, count: int) -> None: ...


class Client:
    """One connected websocket client, as the bridge sees it: a session id and a queue of messages to send."""

    def __init__(self, session_id: str, protocol: str) -> None:
        self.session_id = session_id
        self.protocol = protocol
        self.queue: asyncio.Queue[RawMessage | None] = asyncio.Queue()
        self.closed = False
        self.close_code = 1000

    def put(self, msg: RawMessage) -> None:
        if not self.closed:
            self.queue.put_nowait(msg)

    def close(self, code: int = 1000) -> None:
        """Ask the writer to close the websocket: 1000 tells Jupyter clients not to reconnect."""
        if not self.closed:
            self.closed = True
            self.close_code = code
            self.queue.put_nowait(None)


@dataclass
class OfflineBuffer:
    """Messages for a client session that is away; bounded by count and bytes (oldest dropped first)."""

    max_messages: int
    max_bytes: int
    since: float = field(default_factory=time.monotonic)
    items: deque[RawMessage] = field(default_factory=deque)
    nbytes: int = 0
    dropped: int = 0

    def add(self, msg: RawMessage) -> None:
        self.items.append(msg)
        self.nbytes += msg.size()
        while self.items and (len(self.items) > self.max_messages or self.nbytes > self.max_bytes):
            old = self.items.popleft()
            self.nbytes -= old.size()
            self.dropped += 1


class KernelBridge:
    """Owns a kernel's client sockets and routes messages between them and the connected clients."""

    def __init__(
        self,
        km: AsyncKernelManager,
        *,
        buffer_max_messages: int,
        buffer_max_bytes: int,
        buffer_ttl: float,
        on_iopub: Callable[[RawMessage], None] | None = None,
        on_execute_reply: Callable[[str, float], None] | None = None,
    ) -> None:
        self.km = km
        self.session = km.session
        self.identity = uuid.uuid4().hex.encode()
        self.buffer_max_messages = buffer_max_messages
        self.buffer_max_bytes = buffer_max_bytes
        self.buffer_ttl = buffer_ttl
        self.on_iopub = on_iopub
        self.on_execute_reply = on_execute_reply
        self.clients: dict[str, Client] = {}
        self.taps: list[Tap] = []
        self.buffers: dict[str, OfflineBuffer] = {}
        # request msg_id -> (client session id, send time), to route shell/control/stdin replies
        self.pending: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._own: dict[str, asyncio.Future[RawMessage]] = {}
        self._sockets: dict[str, zmq.Socket] = {}
        self._fds: list[int] = []
        self._iopub_seen = asyncio.Event()
        self.ready = asyncio.Event()
        #: Header of the last execute_request sent: the parent for server notices about a running cell.
        self.last_execute_header: dict | None = None

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def open(self) -> None:
        """Connect the kernel's channels and start reading them.

        Plain (non-asyncio) ZMQ sockets read from the event loop's reader callback: each wake-up drains
        every message waiting, with no Future per message as zmq.asyncio would make.
        """
        km = self.km
        ctx = _sync_context()
        self._sockets = {}
        for channel, kind in (("shell", zmq.DEALER), ("control", zmq.DEALER), ("stdin", zmq.DEALER),
                              ("iopub", zmq.SUB)):
            sock = ctx.socket(kind)
            sock.setsockopt(zmq.LINGER, 0)
            if kind == zmq.DEALER:
                sock.setsockopt(zmq.IDENTITY, self.identity)
            else:
                sock.setsockopt(zmq.SUBSCRIBE, b"")
            sock.connect(km._make_url(channel))  # noqa: SLF001 - the URL jupyter_client itself connects to
            self._sockets[channel] = sock
        loop = asyncio.get_running_loop()
        for channel, sock in self._sockets.items():
            fd = sock.getsockopt(zmq.FD)
            loop.add_reader(fd, self._on_readable, channel)
            self._fds.append(fd)
            loop.call_soon(self._on_readable, channel)  # ZMQ's fd is edge-triggered: look once now

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        for fd in self._fds:
            loop.remove_reader(fd)
        self._fds = []
        for s in self._sockets.values():
            s.close(linger=0)
        self._sockets = {}
        for c in list(self.clients.values()):
            c.close()
        self.buffers.clear()

    async def wait_ready(self, timeout: float) -> bool:
        """Ping with kernel_info until a reply and an iopub message have both come (the slow-joiner guard)."""
        self.ready.clear()
        self._iopub_seen.clear()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                await self.request("shell", "kernel_info_request", {}, timeout=min(1.0, deadline - time.monotonic()))
            except TimeoutError:
                continue
            try:
                await asyncio.wait_for(self._iopub_seen.wait(), 0.2)
            except TimeoutError:
                continue
            self.ready.set()
            return True
        return False

    # -- clients --------------------------------------------------------------------------------------------------

    def attach(self, client: Client) -> int:
        """Register a client; replay its session's buffer first. Returns the number of messages replayed."""
        old = self.clients.get(client.session_id)
        if old is not None:
            log.info("replacing stale connection", extra={"session_id": client.session_id})
            old.close(4000)
        self._expire_buffers()
        buf = self.buffers.pop(client.session_id, None)
        replayed = 0
        if buf is not None:
            if buf.dropped:
                client.put(self.make_message("iopub", "stream", {
                    "name": "stderr",
                    "text": f"folio: {buf.dropped} messages were dropped while this client was disconnected "
                            "(ws_buffer_max_messages / ws_buffer_max_bytes).\n"}))
            for m in buf.items:
                client.put(m)
            replayed = len(buf.items)
        # Buffers for sessions that never come back (a reload makes a new session id) go after ws_buffer_ttl.
        self.clients[client.session_id] = client
        for tap in self.taps:
            tap.clients_changed(len(self.clients))
        return replayed

    def detach(self, client: Client) -> None:
        if self.clients.get(client.session_id) is client:
            del self.clients[client.session_id]
            if self.buffer_max_messages > 0:
                self.buffers[client.session_id] = OfflineBuffer(self.buffer_max_messages, self.buffer_max_bytes)
            for tap in self.taps:
                tap.clients_changed(len(self.clients))
        client.close()

    def _expire_buffers(self) -> None:
        now = time.monotonic()
        for sid in [s for s, b in self.buffers.items() if now - b.since > self.buffer_ttl]:
            del self.buffers[sid]

    @property
    def connections(self) -> int:
        return len(self.clients)

    # -- client -> kernel -----------------------------------------------------------------------------------------

    async def send(self, msg: RawMessage, session_id: str) -> None:
        if msg.channel not in CHANNELS or msg.channel == "iopub":
            raise ValueError(f"cannot send on channel {msg.channel!r}")
        if msg.channel != "stdin":
            self.pending[msg.msg_id] = (session_id, time.monotonic())
            if msg.msg_type == "execute_request":
                self.last_execute_header = msg.header_dict
            if len(self.pending) > _PENDING_MAX:
                self.pending.popitem(last=False)
        for tap in self.taps:
            tap.client_message(msg)
        parts = [msg.header, msg.parent_header, msg.metadata, msg.content]
        await self._send(msg.channel, [DELIM, self.session.sign(parts), *parts, *msg.buffers])

    def make_message(self, channel: str, msg_type: str, content: dict, parent: dict | None = None) -> RawMessage:
        m = self.session.msg(msg_type, content, parent=parent or {})
        return RawMessage(channel, orjson.dumps(m["header"]), orjson.dumps(m["parent_header"]), b"{}",
                          orjson.dumps(content), _header=m["header"])

    async def request(self, channel: str, msg_type: str, content: dict, timeout: float) -> RawMessage:
        """Send a request of the server's own and wait for its reply (not forwarded to clients)."""
        msg = self.make_message(channel, msg_type, content)
        fut: asyncio.Future[RawMessage] = asyncio.get_running_loop().create_future()
        self._own[msg.msg_id] = fut
        try:
            parts = [msg.header, msg.parent_header, msg.metadata, msg.content]
            await self._send(channel, [DELIM, self.session.sign(parts), *parts])
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._own.pop(msg.msg_id, None)

    # -- kernel -> clients ----------------------------------------------------------------------------------------

    def broadcast(self, msg: RawMessage) -> None:
        """Send a message to every client and into every offline buffer."""
        for c in self.clients.values():
            c.put(msg)
        for b in self.buffers.values():
            b.add(msg)

    async def _send(self, channel: str, frames: list[bytes]) -> None:
        sock = self._sockets.get(channel)
        if sock is None:
            raise ValueError(f"channel {channel!r} is closed")
        while True:
            try:
                sock.send_multipart(frames, zmq.NOBLOCK, copy=False)
                # A send can swallow the edge on ZMQ's fd that announced incoming messages: look again.
                asyncio.get_running_loop().call_soon(self._on_readable, channel)
                return
            except zmq.Again:  # the kernel is not reading (high-water mark): wait without blocking the loop
                await asyncio.sleep(0.005)

    def _on_readable(self, channel: str) -> None:
        sock = self._sockets.get(channel)
        if sock is None:
            return
        for _ in range(1000):
            if not sock.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                return
            try:
                frames = sock.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                self._dispatch(channel, frames)
            except Exception:
                log.exception("failed to route a kernel message", extra={"channel": channel})
        # A flood: let other work run, then go on draining.
        asyncio.get_running_loop().call_soon(self._on_readable, channel)

    def _dispatch(self, channel: str, frames: list[bytes]) -> None:
        try:
            msg = self._parse(channel, frames, self.session)
        except Exception as e:  # a corrupt or unsigned message from the kernel side is dropped, loudly
            log.warning("dropped unreadable kernel message", extra={"channel": channel, "error": str(e)})
            return
        for tap in self.taps:
            tap.kernel_message(msg)
        if channel == "iopub":
            self._iopub_seen.set()
            if self.on_iopub is not None:
                self.on_iopub(msg)
            self.broadcast(msg)
            return
        parent_id = _parent_msg_id(msg)
        fut = self._own.get(parent_id)
        if fut is not None:
            if not fut.done():
                fut.set_result(msg)
            return
        entry = self.pending.get(parent_id)
        if entry is None:
            return
        sid, sent = entry
        if channel == "shell" and msg.msg_type.endswith("_reply"):
            self.pending.pop(parent_id, None)
            if msg.msg_type == "execute_reply" and self.on_execute_reply is not None:
                self.on_execute_reply(_reply_status(msg), time.monotonic() - sent)
        client = self.clients.get(sid)
        if client is not None:
            client.put(msg)
        elif sid in self.buffers:
            self.buffers[sid].add(msg)

    def _parse(self, channel: str, frames: list[bytes], session: object) -> RawMessage:
        i = frames.index(DELIM)
        sig, header, parent, metadata, content = frames[i + 1 : i + 6]
        if self.session.auth is not None:
            check = self.session.sign([header, parent, metadata, content])
            if not hmac.compare_digest(sig, check):
                raise ValueError("bad message signature")
        return RawMessage(channel, header, parent, metadata, content, frames[i + 6 :])


_SYNC_CONTEXT: zmq.Context | None = None


def _sync_context() -> zmq.Context:
    global _SYNC_CONTEXT
    if _SYNC_CONTEXT is None:
        _SYNC_CONTEXT = zmq.Context()
    return _SYNC_CONTEXT


def _reply_status(msg: RawMessage) -> str:
    try:
        status = orjson.loads(msg.content).get("status", "error")
    except (orjson.JSONDecodeError, AttributeError):
        return "error"
    return status if status in ("ok", "error", "aborted") else "error"


def _parent_msg_id(msg: RawMessage) -> str:
    p = msg.parent_header
    if len(p) <= 2:
        return ""
    try:
        d = orjson.loads(p)
    except orjson.JSONDecodeError:
        return ""
    return str(d.get("msg_id", "")) if isinstance(d, dict) else ""
