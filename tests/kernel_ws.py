"""A small synchronous kernel websocket client for tests, speaking either protocol (folio's or jupyter_server's)."""

from __future__ import annotations

import json
import struct
import time
import uuid
from typing import Any

import websocket

V1 = "v1.kernel.websocket.jupyter.org"


def v1_encode(msg: dict[str, Any]) -> bytes:
    parts = [msg["channel"].encode(), json.dumps(msg["header"]).encode(), json.dumps(msg["parent_header"]).encode(),
             json.dumps(msg["metadata"]).encode(), json.dumps(msg["content"]).encode(), *msg.get("buffers", [])]
    n = len(parts) + 1
    offsets = [8 * (n + 1)]
    for p in parts:
        offsets.append(offsets[-1] + len(p))
    return struct.pack(f"<{n + 1}Q", n, *offsets) + b"".join(parts)


def v1_decode(frame: bytes) -> dict[str, Any]:
    (n,) = struct.unpack_from("<Q", frame, 0)
    offsets = list(struct.unpack_from(f"<{n}Q", frame, 8))
    parts = [frame[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
    return {"channel": parts[0].decode(), "header": json.loads(parts[1]), "parent_header": json.loads(parts[2]),
            "metadata": json.loads(parts[3]), "content": json.loads(parts[4]), "buffers": parts[5:]}


def legacy_encode(msg: dict[str, Any]) -> bytes:
    """The legacy protocol's binary frame (uint32 BE offsets), used when a message carries buffers."""
    parts = [json.dumps({k: v for k, v in msg.items() if k != "buffers"}).encode(), *msg["buffers"]]
    offsets = [4 * (len(parts) + 1)]
    for p in parts[:-1]:
        offsets.append(offsets[-1] + len(p))
    return struct.pack(f">{len(parts) + 1}I", len(parts), *offsets) + b"".join(parts)


def legacy_decode(frame: str | bytes) -> dict[str, Any]:
    if isinstance(frame, str):
        return json.loads(frame)
    (n,) = struct.unpack_from(">I", frame, 0)
    offsets = [*struct.unpack_from(f">{n}I", frame, 4), len(frame)]
    parts = [frame[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
    msg = json.loads(parts[0])
    msg["buffers"] = parts[1:]
    return msg


class KernelWS:
    def __init__(self, ws_base: str, kernel_id: str, token: str, *, protocol: str = "v1",
                 session_id: str | None = None, timeout: float = 30) -> None:
        self.session_id = session_id or uuid.uuid4().hex
        self.protocol = protocol
        url = f"{ws_base}api/kernels/{kernel_id}/channels?session_id={self.session_id}"
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {token}"], timeout=timeout,
            subprotocols=[V1] if protocol == "v1" else None,
        )
        if protocol == "v1":
            assert self.ws.getsubprotocol() == V1

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> KernelWS:
        return self

    def __exit__(self, *a: object) -> None:
        self.close()

    def make(self, msg_type: str, content: dict[str, Any], channel: str = "shell",
             metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": self.session_id,
                       "username": "test", "date": "2026-01-01T00:00:00.000000Z", "version": "5.3"},
            "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": channel, "buffers": [],
        }

    def send(self, msg: dict[str, Any]) -> str:
        if self.protocol == "v1":
            self.ws.send_binary(v1_encode(msg))
        elif msg.get("buffers"):
            self.ws.send_binary(legacy_encode(msg))
        else:
            self.ws.send(json.dumps({k: v for k, v in msg.items() if k != "buffers"}))
        return msg["header"]["msg_id"]

    def recv(self, timeout: float | None = None) -> dict[str, Any]:
        if timeout is not None:
            self.ws.settimeout(timeout)
        data = self.ws.recv()
        if self.protocol == "v1":
            assert isinstance(data, bytes), "v1 frames are binary"
            return v1_decode(data)
        return legacy_decode(data)

    def request(self, msg_type: str, content: dict[str, Any], channel: str = "shell",
                timeout: float = 30) -> dict[str, Any]:
        """Send a request and return its reply on the same channel."""
        mid = self.send(self.make(msg_type, content, channel))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.recv(timeout=max(0.1, deadline - time.monotonic()))
            if m["channel"] == channel and m["parent_header"].get("msg_id") == mid:
                return m
        raise TimeoutError(msg_type)

    def execute(self, code: str, timeout: float = 60, stdin_answer: str | None = None,
                **content: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run code; return (execute_reply, iopub messages of this request up to status idle)."""
        mid = self.send(self.make("execute_request", {"code": code, "silent": False, "store_history": True,
                                                      "user_expressions": {}, "allow_stdin": stdin_answer is not None,
                                                      "stop_on_error": True, **content}))
        return self.collect(mid, timeout, stdin_answer)

    def collect(self, mid: str, timeout: float = 60,
                stdin_answer: str | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        reply = None
        iopub: list[dict[str, Any]] = []
        idle = False
        deadline = time.monotonic() + timeout
        while not (reply and idle):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply/idle for {mid}: reply={reply is not None} idle={idle}")
            m = self.recv(timeout=max(0.1, deadline - time.monotonic()))
            if m["parent_header"].get("msg_id") != mid:
                continue
            if m["channel"] == "shell":
                reply = m
            elif m["channel"] == "stdin" and m["header"]["msg_type"] == "input_request":
                r = self.make("input_reply", {"value": stdin_answer or ""}, channel="stdin")
                r["parent_header"] = m["header"]
                self.send(r)
            elif m["channel"] == "iopub":
                iopub.append(m)
                if m["header"]["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
        return reply, iopub


def outputs(iopub: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m["content"] for m in iopub if m["header"]["msg_type"] == kind]
