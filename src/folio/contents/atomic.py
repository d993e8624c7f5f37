"""Durable replacement of files: write a temp file in the same folder, fsync, rename over the target.

A crash or a kill at any moment leaves either the old file or the new one, never a truncated mix. Temp files
are hidden dot-files with a fixed prefix so listings can always leave them out, even with hidden files shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import secrets
import stat
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import BinaryIO

TEMP_PREFIX = ".~folio-"
_SYNC_EVERY = 8 * 1024 * 1024

# The process umask, read once at import (reading it means setting it, which is racy once threads run).
_UMASK = os.umask(0)
os.umask(_UMASK)


def is_temp_name(name: str) -> bool:
    """True for the names of folio's own temp files (never listed)."""
    return name.startswith(TEMP_PREFIX)


def temp_path_for(target: Path, tag: str = "") -> Path:
    stem = target.name[:80]
    return target.with_name(f"{TEMP_PREFIX}{stem}{tag}-{secrets.token_hex(4)}.tmp")


def _real_target(path: Path) -> Path:
    # Replacing a symlink must keep the link and rewrite what it points to.
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some filesystems refuse fsync on directories; the rename still happened
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_UMASK


@contextlib.contextmanager
def atomic_writer(path: Path, *, fsync: bool = True, exclusive: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary file; on a clean exit it replaces ``path`` (or, if ``exclusive``, is created only if
    ``path`` does not exist: FileExistsError otherwise). On an exception the temp file is removed."""
    target = _real_target(path)
    tmp = temp_path_for(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "wb", buffering=0) as f:
            yield f  # type: ignore[misc]
            if fsync:
                os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target))
        if exclusive:
            os.link(tmp, target)  # fails with FileExistsError instead of clobbering: no check-then-write race
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
        if fsync:
            fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_all(f: BinaryIO, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = f.write(view)
        view = view[n:]  # type: ignore[index]


def atomic_write(
    path: Path, data: bytes | Iterable[bytes], *, fsync: bool = True, exclusive: bool = False
) -> None:
    """Replace ``path`` with ``data`` (bytes, or an iterable of byte chunks) durably and atomically."""
    with atomic_writer(path, fsync=fsync, exclusive=exclusive) as f:
        if isinstance(data, bytes | bytearray | memoryview):
            write_all(f, data)
        else:
            for chunk in data:
                write_all(f, chunk)


def atomic_copy(src: Path, dst: Path, *, exclusive: bool = False, fsync: bool = True) -> None:
    """Copy the bytes of ``src`` over ``dst`` atomically (dst's mode kept if it exists)."""
    import shutil

    with open(src, "rb") as fin, atomic_writer(dst, exclusive=exclusive, fsync=fsync) as fout:
        shutil.copyfileobj(fin, fout, 1024 * 1024)  # type: ignore[misc]


class StagedWrite:
    """An atomic write fed piece by piece: a worker thread writes (and sha256-hashes) the pieces into the temp
    file while the caller is still producing the rest or checking it; then ``commit()`` fsyncs and renames it
    into place (returning the hex digest), or ``abort()`` drops it."""

    _END = object()

    def __init__(self, path: Path, executor: Executor, *, exclusive: bool = False) -> None:
        self.target = _real_target(path)
        self.tmp = temp_path_for(self.target)
        self.exclusive = exclusive
        self._mode = _mode_for(self.target)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._aborted = False
        # Opened here so that a permission problem is the caller's exception, not the worker's.
        self._fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        self._done: Future[str] = executor.submit(self._run)

    def _run(self) -> str:
        digest = hashlib.sha256()
        unsynced = 0
        with os.fdopen(self._fd, "wb", buffering=0) as f:
            while (piece := self._queue.get()) is not self._END:
                if self._aborted:
                    continue
                write_all(f, piece)  # type: ignore[arg-type]
                digest.update(piece)  # type: ignore[arg-type]
                unsynced += len(piece)
                if unsynced >= _SYNC_EVERY:
                    # Flush as we go, while the caller is still serializing: the final fsync then has little
                    # left to do, and it is the only one the caller waits for.
                    os.fdatasync(f.fileno())
                    unsynced = 0
            if not self._aborted:
                os.fsync(f.fileno())
        return digest.hexdigest()

    def feed(self, piece: bytes | memoryview) -> None:
        self._queue.put(piece)

    def commit(self) -> str:
        self._queue.put(self._END)
        try:
            digest = self._done.result()
            os.chmod(self.tmp, self._mode)
            if self.exclusive:
                os.link(self.tmp, self.target)
                os.unlink(self.tmp)
            else:
                os.replace(self.tmp, self.target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            raise
        fsync_dir(self.target.parent)
        return digest

    def abort(self) -> None:
        self._aborted = True
        self._queue.put(self._END)
        with contextlib.suppress(BaseException):
            self._done.result()
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)
