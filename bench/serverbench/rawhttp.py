"""A bare HTTP/1.1 client for the big-body cases (50 MB notebook save/open).

httpx spends about 200 ms of CPU receiving 50 MB and 100 ms sending it on this kind of machine, which
would be a large part of what is measured against a 500 ms target. A blocking socket with one
``sendall`` and buffered ``read(n)`` costs a few ms, so the server's time is what shows.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def request(base_url: str, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes = b"", params: dict[str, str] | None = None, timeout: float = 120) -> Response:
    u = urlsplit(base_url)
    target = u.path.rstrip("/") + "/" + path.lstrip("/")
    if params:
        target += "?" + urlencode(params)
    head = [f"{method} {target} HTTP/1.1", f"Host: {u.netloc}", "Connection: close",
            f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        if body:
            sock.sendall(body)  # a separate call: concatenating would copy 50 MB first
        with sock.makefile("rb", buffering=1 << 20) as f:
            status = int(f.readline().split(b" ", 2)[1])
            hdrs: dict[str, str] = {}
            while True:
                line = f.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                k, _, v = line.decode("latin-1").partition(":")
                hdrs[k.strip().lower()] = v.strip()
            if "content-length" in hdrs:
                data = f.read(int(hdrs["content-length"]))
            elif hdrs.get("transfer-encoding", "").lower() == "chunked":
                parts = []
                while True:
                    size = int(f.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        f.readline()
                        break
                    parts.append(f.read(size))
                    f.readline()
                data = b"".join(parts)
            else:
                data = f.read()
    return Response(status, hdrs, data)
