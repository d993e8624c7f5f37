"""Pieces of contents models: timestamps, mimetypes, writability, hashes, names, decoded file content."""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import mimetypes
import os
import stat as st
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from folio.errors import BadRequest

Model = dict[str, Any]


@lru_cache(maxsize=1024)
def iso_seconds(sec: int) -> str:
    try:
        return datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, OSError, ValueError):  # absurd timestamps on disk must not break a listing
        return "1970-01-01T00:00:00"


def iso(ns: int) -> str:
    """A stat ``st_*time_ns`` as ISO-8601 UTC with 'Z', like jupyter_server (microseconds when nonzero).

    Cached per second: a listing formats two timestamps per entry, and datetime formatting is most of its cost.
    """
    sec, rest = divmod(ns, 1_000_000_000)
    us = rest // 1000
    return f"{iso_seconds(sec)}.{us:06d}Z" if us else f"{iso_seconds(sec)}Z"


@lru_cache(maxsize=4096)
def _guess_mimetype(suffix: str) -> str | None:
    # Keyed on everything from the first dot, so '.tar.gz' is guessed like mimetypes does for the full name.
    return mimetypes.guess_type("x" + suffix)[0] if suffix else None


def guess_mimetype(name: str) -> str | None:
    """mimetypes' guess for a file name (cached per suffix: listings guess thousands of names)."""
    i = name.find(".", 1)
    return _guess_mimetype(name[i:]) if i > 0 else None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_chunks(chunks: list[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


class Writable:
    """``os.access(W_OK)`` answered from a stat result, saving one syscall per listed file."""

    def __init__(self) -> None:
        self.uid = os.geteuid() if hasattr(os, "geteuid") else -1
        self.groups = set(os.getgroups()) | {os.getegid()} if hasattr(os, "getegid") else set()

    def __call__(self, s: os.stat_result) -> bool:
        if self.uid == 0:
            return True
        if s.st_uid == self.uid:
            return bool(s.st_mode & st.S_IWUSR)
        if s.st_gid in self.groups:
            return bool(s.st_mode & st.S_IWGRP)
        return bool(s.st_mode & st.S_IWOTH)


def samefile(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def numbered(filename: str, insert: str) -> Iterable[str]:
    """filename, then with ``insert`` + 1, 2, ... before the extension (jupyter_server's increment_filename)."""
    basename, dot, ext = filename.rpartition(".")
    if ext != "ipynb":
        basename, dot, ext = filename.partition(".")
    suffix = dot + ext
    for i in itertools.count():
        yield f"{basename}{insert}{i if i else ''}{suffix}" if i else f"{basename}{suffix}"


def decode_file_content(content: Any, format: Any) -> bytes:
    if format not in ("text", "base64"):
        if content in (None, ""):
            return b""
        raise BadRequest("Must specify format of file contents as 'text' or 'base64'", reason="bad format")
    if not isinstance(content, str):
        raise BadRequest("File content must be a string", reason="bad format")
    if format == "text":
        try:
            return content.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("Text content is not valid Unicode", reason="bad format") from None
    try:
        try:
            return base64.b64decode(content, validate=True)
        except binascii.Error:  # line breaks (encodebytes style) are fine, anything else outside base64 is not
            return base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("Content is not valid base64", reason="bad format") from None


def all_code_cells_trusted(nb: dict[str, Any]) -> bool:
    code = [c for c in nb.get("cells", ()) if isinstance(c, dict) and c.get("cell_type") == "code"]
    return bool(code) and all(isinstance(c.get("metadata"), dict) and c["metadata"].get("trusted") is True
                              for c in code)
