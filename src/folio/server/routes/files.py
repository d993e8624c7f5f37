"""``/files/{path}``: raw file bytes with a guessed Content-Type (images and links in Markdown, downloads)."""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Depends, Query
from starlette.responses import FileResponse, Response

from folio.server.state import FolioState, get_state

router = APIRouter(tags=["files"])

# Served from the API's origin, so active content must not run with its cookies: a sandbox gives it a unique origin.
_ACTIVE = {"text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml"}


def content_type(name: str, head: bytes) -> str:
    """jupyter_server's choice: notebooks as ipynb JSON, mimetypes' guess, else text or octet-stream by content."""
    if name.lower().endswith(".ipynb"):
        return "application/x-ipynb+json"
    guessed, encoding = mimetypes.guess_type(name)
    if encoding == "gzip":
        return "application/gzip"
    if encoding is not None:
        return "application/octet-stream"
    if guessed is not None:
        return guessed
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not just a multi-byte character cut at the end of the sniffed bytes
            return "application/octet-stream"
    return "text/plain; charset=UTF-8"


def _head(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(8192)


@router.api_route("/files/{path:path}", methods=["GET", "HEAD"], response_class=Response,
                  responses={200: {"description": "the file's bytes"}, 404: {"description": "not found"}})
async def get_file(
    path: str,
    download: str | None = Query(None, description="1: send as an attachment"),
    state: FolioState = Depends(get_state),
) -> Response:
    """The raw bytes of a file under the root (hidden files and paths outside the root are 404/403)."""
    norm, os_path, stat = await anyio.to_thread.run_sync(state.contents.file_for_download, path)
    name = norm.rsplit("/", 1)[-1]
    ctype = content_type(name, await anyio.to_thread.run_sync(_head, str(os_path)))
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if ctype.split(";")[0] in _ACTIVE:
        headers["Content-Security-Policy"] = "sandbox allow-scripts allow-popups allow-downloads"
    if (download and download not in ("0", "false")) or name.lower().endswith(".ipynb"):
        headers["Content-Disposition"] = f"attachment; filename*=utf-8''{quote(name, safe='')}"
    return FileResponse(os_path, stat_result=stat, media_type=ctype, headers=headers)
