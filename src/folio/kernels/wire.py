"""Websocket framing of kernel messages: the ``v1.kernel.websocket.jupyter.org`` binary protocol and the legacy
JSON protocol (with its binary variant for messages that carry buffers), exactly as jupyter_server frames them.

A message travels through folio as its raw parts — header, parent header, metadata and content as the JSON
bytes the sender wrote, plus buffers — so the kernel's bytes are forwarded without being re-parsed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import orjson

V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"
CHANNELS = ("shell", "iopub", "stdin", "control")


class FrameError(ValueError):
    """A client frame that cannot be read as a kernel message."""


@dataclass(slots=True)
class RawMessage:
    channel: str
    header: bytes
    parent_header: bytes
    metadata: bytes
    content: bytes
    buffers: list[bytes] = field(default_factory=list)
    _header: dict | None = None

    @property
    def header_dict(self) -> dict:
        if self._header is None:
            h = orjson.loads(self.header)
            if not isinstance(h, dict):
                raise FrameError("header is not a JSON object")
            self._header = h
        return self._header

    @property
    def msg_id(self) -> str:
        return str(self.header_dict.get("msg_id", ""))

    @property
    def msg_type(self) -> str:
        return str(self.header_dict.get("msg_type", ""))

    def size(self) -> int:
        return (len(self.header) + len(self.parent_header) + len(self.metadata) + len(self.content)
                + sum(len(b) for b in self.buffers))


# -- server -> client ---------------------------------------------------------------------------------------------

def to_v1(msg: RawMessage) -> bytes:
    parts = [msg.channel.encode(), msg.header, msg.parent_header or b"{}", msg.metadata or b"{}",
             msg.content or b"{}", *msg.buffers]
    n = len(parts) + 1
    offsets = [8 * (n + 1)]
    for p in parts:
        offsets.append(offsets[-1] + len(p))
    return struct.pack(f"<{n + 1}Q", n, *offsets) + b"".join(parts)


def _legacy_json(msg: RawMessage, with_buffers_key: bool) -> bytes:
    h = msg.header_dict
    out = (b'{"header":' + msg.header + b',"msg_id":' + orjson.dumps(h.get("msg_id", ""))
           + b',"msg_type":' + orjson.dumps(h.get("msg_type", "")) + b',"parent_header":' + (msg.parent_header or b"{}")
           + b',"metadata":' + (msg.metadata or b"{}") + b',"content":' + (msg.content or b"{}")
           + b',"channel":' + orjson.dumps(msg.channel))
    return out + (b',"buffers":[]}' if with_buffers_key else b"}")


def to_legacy(msg: RawMessage) -> str | bytes:
    """Legacy protocol: a text frame of one JSON object, or the uint32-offset binary frame when there are buffers."""
    if not msg.buffers:
        return _legacy_json(msg, True).decode("utf-8", "surrogateescape")
    parts = [_legacy_json(msg, False), *msg.buffers]
    n = len(parts)
    offsets = [4 * (n + 1)]
    for p in parts[:-1]:
        offsets.append(offsets[-1] + len(p))
    return struct.pack(f">{n + 1}I", n, *offsets) + b"".join(parts)


# -- client -> server ---------------------------------------------------------------------------------------------

def from_v1(frame: bytes) -> RawMessage:
    if len(frame) < 8:
        raise FrameError("frame shorter than its offset count")
    (n,) = struct.unpack_from("<Q", frame, 0)
    if n < 5 or 8 * (n + 1) > len(frame):
        raise FrameError(f"bad offset count {n}")
    offsets = list(struct.unpack_from(f"<{n}Q", frame, 8))
    if offsets[0] != 8 * (n + 1) or any(b < a for a, b in zip(offsets, offsets[1:], strict=False)) \
            or offsets[-1] > len(frame):
        raise FrameError("offsets out of order or past the frame")
    bounds = [*offsets, len(frame)] if offsets[-1] != len(frame) else offsets
    parts = [frame[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    if len(parts) < 5:
        raise FrameError("frame has fewer than five parts")
    try:
        channel = parts[0].decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("channel is not ASCII") from None
    msg = RawMessage(channel, parts[1], parts[2] or b"{}", parts[3] or b"{}", parts[4] or b"{}", parts[5:])
    _check_json(msg)
    return msg


def from_legacy_text(text: str) -> RawMessage:
    try:
        d = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise FrameError(f"invalid JSON: {e}") from None
    return _from_dict(d, [])


def from_legacy_binary(frame: bytes) -> RawMessage:
    if len(frame) < 4:
        raise FrameError("frame shorter than its offset count")
    (n,) = struct.unpack_from(">I", frame, 0)
    if n < 1 or 4 * (n + 1) > len(frame):
        raise FrameError(f"bad offset count {n}")
    offsets = [*struct.unpack_from(f">{n}I", frame, 4), len(frame)]
    if any(b < a for a, b in zip(offsets, offsets[1:], strict=False)):
        raise FrameError("offsets out of order")
    parts = [frame[a:b] for a, b in zip(offsets, offsets[1:], strict=False)]
    try:
        d = orjson.loads(parts[0])
    except orjson.JSONDecodeError as e:
        raise FrameError(f"invalid JSON: {e}") from None
    return _from_dict(d, parts[1:])


def _from_dict(d: object, buffers: list[bytes]) -> RawMessage:
    if not isinstance(d, dict):
        raise FrameError("message is not a JSON object")
    header = d.get("header")
    if not isinstance(header, dict) or "msg_id" not in header or "msg_type" not in header:
        raise FrameError("message has no header with msg_id and msg_type")
    channel = d.get("channel") or "shell"
    parent = d.get("parent_header") or {}
    return RawMessage(
        channel=str(channel),
        header=orjson.dumps(header),
        parent_header=orjson.dumps(parent),
        metadata=orjson.dumps(d.get("metadata") or {}),
        content=orjson.dumps(d.get("content") or {}),
        buffers=buffers,
        _header=header,
    )


def _check_json(msg: RawMessage) -> None:
    h = msg.header_dict
    if "msg_id" not in h or "msg_type" not in h:
        raise FrameError("header has no msg_id or msg_type")
    for name in ("parent_header", "metadata", "content"):
        try:
            orjson.loads(getattr(msg, name))
        except orjson.JSONDecodeError:
            raise FrameError(f"{name} is not valid JSON") from None
