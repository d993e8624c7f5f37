"""``/api/contents``: Jupyter contents models, saves, uploads, copies, renames, deletes and checkpoints.

Thin: parse the request, call LocalContents in a worker thread (all of it is blocking file IO), map the result.
Big bodies are parsed and big models encoded in the worker thread too, off the event loop.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import time
from email.utils import formatdate
from functools import partial
from typing import Any
from urllib.parse import quote

import anyio.to_thread
import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from folio.contents.local import LocalContents
from folio.errors import BadRequest, FolioError, TooLarge
from folio.notebook import document
from folio.server.body_cache import CachedBody
from folio.server.responses import dumps, json_response
from folio.server.state import FolioState, get_state

router = APIRouter(tags=["contents"])

_BIG = 256 * 1024  # bodies and models above this are (de)serialized in a worker thread


# -- OpenAPI documentation only (responses are built by hand for speed) ------------------------------------------


class ContentsModel(BaseModel):
    name: str
    path: str = Field(description="API path, '/'-separated, no leading slash; root is ''")
    type: str = Field(description="file | notebook | directory")
    writable: bool
    created: str
    last_modified: str
    size: int | None
    mimetype: str | None
    content: Any = Field(None, description="null unless content=1: str (file), nbformat dict, or child models")
    format: str | None = Field(None, description="text | base64 | json")
    hash: str | None = None
    hash_algorithm: str | None = None


class SaveBody(BaseModel):
    type: str | None = Field(None, description="file | notebook | directory")
    format: str | None = Field(None, description="text | base64 (files), json (notebooks)")
    content: Any = None
    chunk: int | None = Field(None, description="chunked upload: 1, 2, ... then -1 for the last chunk")


class CreateBody(BaseModel):
    type: str | None = None
    ext: str | None = None
    copy_from: str | None = Field(None, description="path of a file to copy into this folder")


class RenameBody(BaseModel):
    path: str = Field(description="the new API path")


class CheckpointModel(BaseModel):
    id: str
    last_modified: str


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": model.model_json_schema()}}}}


_MODEL = {200: {"model": ContentsModel}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "bad request"}, 403: {"description": "refused path"}, 404: {"description": "not found"},
}


# -- helpers -----------------------------------------------------------------------------------------------------


async def _run(fn: Any, *args: Any, **kw: Any) -> Any:
    return await anyio.to_thread.run_sync(partial(fn, *args, **kw))


def _give_back_memory() -> None:
    """After a big notebook, hand freed heap back to the OS (glibc keeps it otherwise: RSS stays high)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


TRIM_ABOVE = 8 * 1024 * 1024
_trims: set[asyncio.Task[Any]] = set()


def _trim_soon() -> None:
    """Trim a second later, once the response holding the big body has been sent and freed."""
    async def trim() -> None:
        await asyncio.sleep(1.0)
        await _run(_give_back_memory)

    task = asyncio.get_running_loop().create_task(trim())
    _trims.add(task)
    task.add_done_callback(_trims.discard)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes before reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge("Request body", limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge("Request body", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:  # NaN/Infinity, which Python's json (and so jupyter_server) accepts
            return json.loads(raw)
        except ValueError:
            raise BadRequest("Invalid JSON in body of request") from None


async def _json_body(request: Request, state: FolioState) -> Any:
    raw = await read_body(request, state.settings.max_body_size)
    if len(raw) > _BIG:
        return await _run(parse_json, raw)
    return parse_json(raw)


def _location(state: FolioState, path: str) -> str:
    return f"{state.settings.base_url}api/contents/{quote(path, safe='/')}"


def _http_date(iso: str) -> str:
    from datetime import datetime

    return formatdate(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp(), usegmt=True)


def _model_response(state: FolioState, model: dict[str, Any], status: int = 200, *, location: bool = True,
                    body: bytes | None = None) -> Response:
    headers = {"Last-Modified": _http_date(model["last_modified"])}
    if location:
        headers["Location"] = _location(state, model["path"])
    return Response(dumps(model) if body is None else body, status_code=status, headers=headers,
                    media_type="application/json")


def _flag(value: str | None, name: str, default: str) -> bool:
    value = default if value is None else value
    if value not in ("0", "1"):
        if name == "hash":
            raise BadRequest(f"Hash argument {value!r} is invalid. It must be '0' or '1'.")
        raise BadRequest(f"{name.capitalize()} {value!r} is invalid")
    return value == "1"


def _contents(state: FolioState) -> LocalContents:
    return state.contents


# -- checkpoints (registered first: their paths also match /api/contents/{path}) ---------------------------------


@router.get("/api/contents/{path:path}/checkpoints", response_model=list[CheckpointModel], responses=_ERRORS)
async def list_checkpoints(path: str, state: FolioState = Depends(get_state)) -> Response:
    """The file's checkpoints: ``[]`` or ``[{"id": "checkpoint", "last_modified": ...}]``."""
    return json_response(await _run(_contents(state).list_checkpoints, path))


@router.post("/api/contents/{path:path}/checkpoints", status_code=201, response_model=CheckpointModel,
             responses=_ERRORS)
async def create_checkpoint(path: str, state: FolioState = Depends(get_state)) -> Response:
    """Snapshot the file into its (single) checkpoint."""
    cp = await _run(_contents(state).create_checkpoint, path)
    loc = f"{_location(state, path)}/checkpoints/{quote(cp['id'], safe='')}"
    return json_response(cp, 201, headers={"Location": loc})


@router.post("/api/contents/{path:path}/checkpoints/{checkpoint_id}", status_code=204, responses=_ERRORS)
async def restore_checkpoint(path: str, checkpoint_id: str, state: FolioState = Depends(get_state)) -> Response:
    """Put the checkpoint's content back into the file."""
    await _run(_contents(state).restore_checkpoint, path, checkpoint_id)
    return Response(status_code=204)


@router.delete("/api/contents/{path:path}/checkpoints/{checkpoint_id}", status_code=204, responses=_ERRORS)
async def delete_checkpoint(path: str, checkpoint_id: str, state: FolioState = Depends(get_state)) -> Response:
    await _run(_contents(state).delete_checkpoint, path, checkpoint_id)
    return Response(status_code=204)


# -- models ------------------------------------------------------------------------------------------------------


def _build_body(contents: LocalContents, path: str, content: bool, type: str | None, format: str | None,
                hash: bool) -> tuple[dict[str, Any], bytes]:
    """The model and its JSON body; the model's content is dropped once the body holds it."""
    # The GC stays paused until the big model is freed again, so no collection ever walks it.
    with document.gc_paused():
        model = contents.get(path, content=content, type=type, format=format, hash=hash)
        body = dumps(model)
        model["content"] = None
    return model, body


def _cached_body(state: FolioState, key: Any) -> CachedBody | None:
    hit = state.notebook_bodies.get(key)
    if hit is not None and (hit.digest in state.contents.trusted) == hit.trusted:
        return hit
    return None


def _build_cached_body(state: FolioState, key: Any, path: str) -> tuple[dict[str, Any], bytes]:
    """Build the body of a notebook opened with its hash and keep it (the caller holds the key's build)."""
    contents = state.contents
    model, body = _build_body(contents, path, True, "notebook", None, True)
    if model.get("hash"):
        digest = model["hash"]
        state.notebook_bodies.put(key, CachedBody(model, body, digest, digest in contents.trusted))
    return model, body


_warming: set[asyncio.Future[Any]] = set()


def warm_notebook_body(state: FolioState, path: str) -> None:
    """Build the cached body of the notebook a page is about to open, in a worker thread, so that its
    request finds it ready: the server does this work while the browser downloads and compiles the
    bundle instead of after. Any failure is left for that request to report."""
    bodies = state.notebook_bodies

    def warm() -> None:
        try:
            key = state.contents.notebook_key(path)
            if key is None or not bodies.fits(key.size):  # the file's size is about the body's
                return
            with bodies.building(key):
                if _cached_body(state, key) is None:
                    _build_cached_body(state, key, path)
        except Exception:  # noqa: BLE001 - the UI's own request gets the error, with its status
            pass

    if not bodies.max_bytes or not path.endswith(".ipynb"):
        return
    task = asyncio.ensure_future(_run(warm))
    _warming.add(task)
    task.add_done_callback(_warming.discard)


@router.get("/api/contents", include_in_schema=False)
@router.get("/api/contents/{path:path}", responses={**_MODEL, **_ERRORS})
async def get_contents(
    request: Request,
    path: str = "",
    type: str | None = Query(None, description="file | notebook | directory"),
    format: str | None = Query(None, description="text | base64"),
    content: str | None = Query(None, description="0 | 1 (default 1)"),
    hash: str | None = Query(None, description="0 | 1: include the sha256 of the bytes on disk"),
    state: FolioState = Depends(get_state),
) -> Response:
    """The model of a file, notebook or directory."""
    want_content = _flag(content, "content", "1")
    want_hash = _flag(hash, "hash", "0")
    contents = _contents(state)

    # A notebook asked for with its hash (as folio's UI opens one) may come from the cache of bodies.
    cacheable = want_content and want_hash and type in (None, "notebook") and format is None
    bodies = state.notebook_bodies

    def work() -> tuple[dict[str, Any], bytes]:
        key = contents.notebook_key(path) if cacheable and bodies.max_bytes else None
        if key is None:
            return _build_body(contents, path, want_content, type, format, want_hash)
        with bodies.building(key):
            hit = _cached_body(state, key)
            if hit is not None:
                state.metrics.notebook_cache_hits.inc()
                return hit.model, hit.body
            return _build_cached_body(state, key, path)

    t0 = time.perf_counter()
    model, body = await _run(work)
    if len(body) > TRIM_ABOVE:
        _trim_soon()
    if want_content and model["type"] != "directory":
        state.metrics.contents_open_seconds.labels(model["type"]).observe(time.perf_counter() - t0)
    return _model_response(state, model, location=False, body=body)


@router.put("/api/contents/{path:path}", responses={**_MODEL, 201: {"model": ContentsModel}, **_ERRORS},
            openapi_extra=_body_doc(SaveBody))
async def save_contents(path: str, request: Request, state: FolioState = Depends(get_state)) -> Response:
    """Save (200) or create (201) a file, notebook or directory; chunked uploads with ``chunk``."""
    raw = await read_body(request, state.settings.max_body_size)
    contents = _contents(state)
    if len(raw) > TRIM_ABOVE:
        _trim_soon()

    def work() -> tuple[dict[str, Any], bool]:
        # Parse and save in one worker call with the GC paused; the parsed body is garbage when it returns.
        with document.gc_paused():
            body = parse_json(raw)
            try:
                if not body:
                    return contents.new_untitled(path), True
                return contents.save(body, path)
            finally:
                del body  # freed while the GC is still paused

    t0 = time.perf_counter()
    try:
        model, created = await _run(work)
    except FolioError as e:
        state.metrics.contents_save_failures.labels(type(e).__name__).inc()
        raise
    state.metrics.contents_save_seconds.labels(model["type"]).observe(time.perf_counter() - t0)
    if model["type"] == "notebook":
        state.metrics.notebook_size_bytes.observe(model.get("size") or 0)
        if state.save_scanner is not None:
            state.save_scanner.submit(model["path"], contents.resolve(model["path"]))
    return _model_response(state, model, 201 if created else 200)


@router.post("/api/contents", include_in_schema=False)
@router.post("/api/contents/{path:path}", status_code=201, responses={201: {"model": ContentsModel}, **_ERRORS},
             openapi_extra=_body_doc(CreateBody))
async def create_contents(request: Request, path: str = "", state: FolioState = Depends(get_state)) -> Response:
    """New untitled file, notebook or folder in the folder ``path``, or a copy there with ``copy_from``."""
    body = await _json_body(request, state) or {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object")
    contents = _contents(state)
    if body.get("copy_from"):
        model = await _run(contents.copy, body["copy_from"], path)
    else:
        model = await _run(contents.new_untitled, path, type=body.get("type") or "", ext=body.get("ext") or "")
    return _model_response(state, model, 201)


@router.patch("/api/contents/{path:path}", responses={**_MODEL, 409: {"description": "target exists"}, **_ERRORS},
              openapi_extra=_body_doc(RenameBody))
async def rename_contents(path: str, request: Request, state: FolioState = Depends(get_state)) -> Response:
    """Rename or move a file or folder (409 if the target exists); its checkpoint moves too."""
    body = await _json_body(request, state)
    if not isinstance(body, dict) or "path" not in body:
        raise BadRequest("JSON body missing" if body is None else "The body must be {\"path\": new_path}")
    model = await _run(_contents(state).rename, path, body["path"])
    return _model_response(state, model)


@router.delete("/api/contents/{path:path}", status_code=204, responses=_ERRORS)
async def delete_contents(path: str, state: FolioState = Depends(get_state)) -> Response:
    """Delete a file or a folder with everything in it."""
    await _run(_contents(state).delete, path)
    return Response(status_code=204)
