"""The response bodies of recently opened notebooks, kept in memory.

Opening a notebook costs a read, a parse, a schema check and a dump: about 85 ms of CPU for 10 MB, and
several times that while a browser on the same machine compiles the page. Reopening the same file
(a reload, a second tab, a client coming back after a restart) then costs a ``stat``. Entries are keyed by
what identifies the file's bytes on disk (inode, size, mtime and ctime in ns: an atomic save makes a new
inode, a chmod a new ctime), so a changed file is never served from here; the trust flag each code cell
carries is checked again on every hit, since trusting a notebook does not touch the file.

The notebook page warms its notebook's entry while the browser loads the bundle (routes/ui.py), and one
build per key runs at a time (``building``): the API request that arrives mid-build waits for that build
instead of doing the same work again next to it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Key = tuple[Any, ...]


@dataclass(frozen=True)
class CachedBody:
    model: dict[str, Any]  # the model without its content (what the route's headers need)
    body: bytes
    digest: str
    trusted: bool


class BodyCache:
    """Least recently used first out, bounded by the bytes of the bodies it holds (0: keeps nothing)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Key, CachedBody] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # routes call in from worker threads
        self._builds: dict[Key, tuple[threading.Lock, list[int]]] = {}  # key → (its build's lock, waiters)

    def get(self, key: Key) -> CachedBody | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
            return hit

    @contextmanager
    def building(self, key: Key) -> Iterator[None]:
        """Hold the key's build slot: a second caller waits here until the first is done (then finds its
        entry with ``get``)."""
        with self._lock:
            lock, users = self._builds.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with lock:
                yield
        finally:
            with self._lock:
                users[0] -= 1
                if not users[0]:
                    del self._builds[key]

    def fits(self, size: int) -> bool:
        """Whether a body of about ``size`` bytes would be kept."""
        return size <= self.max_bytes // 2

    def put(self, key: Key, entry: CachedBody) -> None:
        size = len(entry.body)
        if not self.fits(size):  # one huge notebook would push out everything else for little gain
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._items[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)

    @property
    def nbytes(self) -> int:
        return self._bytes
