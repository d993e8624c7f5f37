"""The one place an API path becomes a filesystem path: every user path goes through ``resolve``.

API paths are '/'-separated, relative to the root, with no leading slash (root is ``""``), already
percent-decoded once by the HTTP layer. Refused: NUL bytes and other control characters, backslashes, absolute
paths (400); ``..`` segments, also when hidden behind further percent-encoding such as ``%2e%2e`` or
``%252e%252e`` (403); and any path whose real location (after following symlinks, also for paths that do not
exist yet) is outside the root, unless symlinks out of the root are allowed (403).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from folio.errors import InvalidPath, UnsafePath

_CONTROL = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}


def split(api_path: str) -> list[str]:
    """The validated segments of an API path; ``.`` and empty segments dropped, a trailing '/' allowed."""
    if any(ch in _CONTROL for ch in api_path):
        raise InvalidPath(api_path, "control characters (such as NUL) are not allowed in paths")
    if "\\" in api_path:
        raise InvalidPath(api_path, "backslashes are not allowed in paths")
    if api_path.startswith("/"):
        raise InvalidPath(api_path, "absolute paths are not allowed; paths are relative to the root")
    parts = []
    for seg in api_path.split("/"):
        if seg in ("", "."):
            continue
        if seg == ".." or _decodes_to_parent(seg):
            raise UnsafePath(api_path, "'..' segments are not allowed")
        parts.append(seg)
    return parts


def _decodes_to_parent(seg: str) -> bool:
    # A literal '%' is a legal file name character, but a segment that a second decoding (by a proxy, a client,
    # a careless tool) would turn into '..' or a path with '..' in it is refused rather than trusted.
    for _ in range(3):
        if "%" not in seg:
            return False
        decoded = unquote(seg)
        if decoded == seg:
            return False
        seg = decoded
        if any(ch in _CONTROL for ch in seg):
            return True
        if ".." in seg.replace("\\", "/").split("/"):
            return True
    return True  # still encoded after three rounds: nobody names files like that


def normalize(api_path: str) -> str:
    """The canonical form of an API path ('a/b', root '')."""
    return "/".join(split(api_path))


def is_inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep)


def resolve(root: Path, api_path: str, *, allow_symlinks_out_of_root: bool = False) -> Path:
    """The filesystem path for ``api_path`` under ``root`` (symlinks not followed in the result), or an error.

    ``root`` must already be absolute and resolved. The path need not exist.
    """
    parts = split(api_path)
    path = root.joinpath(*parts) if parts else root
    if not allow_symlinks_out_of_root and parts:
        real = os.path.realpath(path)
        if not is_inside(real, str(root)):
            raise UnsafePath(api_path, "it points outside the root directory")
    return path
