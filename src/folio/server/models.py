"""Pydantic models of the API's JSON shapes, used to document routes in /api/openapi.json.

Routes return plain dicts through orjson for speed; these models are the written contract (and what the
OpenAPI document shows) rather than a validation step on every response.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    message: str
    reason: str | None = None


class Kernel(BaseModel):
    id: str
    name: str
    last_activity: str
    execution_state: Literal["starting", "idle", "busy", "restarting", "dead"]
    connections: int
    reason: str | None = Field(None, description="Why the kernel is dead, when it is.")


class KernelCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(None, description="Kernelspec name; the server default when omitted.")
    path: str | None = Field(None, description="API path of a folder the kernel starts in.")
    kernel_id: str | None = None
    env: dict[str, str] | None = Field(None, description="Extra environment variables for the kernel process.")


class KernelSpecFile(BaseModel):
    argv: list[str]
    display_name: str
    language: str
    env: dict[str, str] = {}
    interrupt_mode: str = "signal"
    metadata: dict[str, Any] = {}


class KernelSpec(BaseModel):
    name: str
    spec: KernelSpecFile
    resources: dict[str, str]


class KernelSpecs(BaseModel):
    default: str
    kernelspecs: dict[str, KernelSpec]


class SessionKernelRef(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    name: str | None = None


class Session(BaseModel):
    id: str
    path: str
    name: str
    type: str
    kernel: Kernel
    notebook: dict[str, str] | None = None


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    path: str
    type: str
    name: str | None = None
    kernel: SessionKernelRef | None = None


class SessionPatch(BaseModel):
    model_config = ConfigDict(extra="allow")
    path: str | None = None
    name: str | None = None
    type: str | None = None
    kernel: SessionKernelRef | None = None


def body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its JSON body itself."""
    return {"requestBody": {"required": required,
                            "content": {"application/json": {"schema": model.model_json_schema()}}}}


def responses(status: int, model: type[BaseModel] | None, *errors: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {status: {"model": model} if model else {"description": "No content"}}
    for e in errors:
        out[e] = {"model": ErrorBody}
    return out
