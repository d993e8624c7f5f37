"""``/api/config/{section}``: the frontend's JSON config sections (jupyter_server's ConfigManager).

Stored as ``<jupyter config dir>/nbconfig/<section>.json`` like jupyter_server, written atomically.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import anyio
from fastapi import APIRouter, Request
from jupyter_core.paths import jupyter_config_dir
from starlette.responses import Response

from folio.errors import BadRequest, NotFound
from folio.server.responses import json_response, read_json

router = APIRouter(tags=["config"])
_SECTION = re.compile(r"^\w+$")


def _file(section: str) -> Path:
    if not _SECTION.match(section):
        raise NotFound(f"No config section {section!r}")
    return Path(jupyter_config_dir()) / "nbconfig" / f"{section}.json"


def _read(section: str) -> dict[str, Any]:
    try:
        data = json.loads(_file(section).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(section: str, data: dict[str, Any]) -> None:
    path = _file(section)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """jupyter_server's recursive update: nested dicts merge, a None value removes the key."""
    out = dict(old)
    for k, v in new.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


@router.get("/api/config/{section}")
async def get_section(section: str) -> Response:
    return json_response(await anyio.to_thread.run_sync(_read, section))


@router.put("/api/config/{section}", status_code=204)
async def put_section(section: str, request: Request) -> Response:
    data = await read_json(request, required=True)
    if not isinstance(data, dict):
        raise BadRequest("A config section is a JSON object")
    await anyio.to_thread.run_sync(_write, section, data)
    return Response(status_code=204)


@router.patch("/api/config/{section}")
async def patch_section(section: str, request: Request) -> Response:
    data = await read_json(request, required=True)
    if not isinstance(data, dict):
        raise BadRequest("A config section is a JSON object")

    def work() -> dict[str, Any]:
        merged = _merge(_read(section), data)
        _write(section, merged)
        return merged

    return json_response(await anyio.to_thread.run_sync(work))
