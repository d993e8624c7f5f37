"""Sessions: the link between a document path and a kernel (Jupyter Server API ``/api/sessions``).

Kept in memory like jupyter_server's default ``:memory:`` SQLite: a restart of the server forgets them,
as it also stops their kernels.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from folio.errors import BadRequest, Conflict, NoSuchKernel, NoSuchSession
from folio.kernels.registry import KernelRegistry

log = logging.getLogger("folio.kernels")


class CwdResolver(Protocol):
    def kernel_cwd(self, api_path: str) -> os.PathLike[str] | str: ...


@dataclass
class Session:
    id: str
    path: str
    name: str
    type: str
    kernel_id: str


class SessionManager:
    def __init__(self, kernels: KernelRegistry, contents: CwdResolver) -> None:
        self.kernels = kernels
        self.contents = contents
        self.sessions: dict[str, Session] = {}
        self._lock = asyncio.Lock()

    def model(self, s: Session) -> dict[str, Any]:
        m: dict[str, Any] = {
            "id": s.id,
            "path": s.path,
            "name": s.name,
            "type": s.type,
            "kernel": self.kernels.get(s.kernel_id).model(),
        }
        if s.type == "notebook":
            m["notebook"] = {"path": s.path, "name": s.name}
        return m

    def _prune(self) -> None:
        # A session whose kernel was shut down or removed goes, lazily, as in jupyter_server.
        for sid in [sid for sid, s in self.sessions.items() if s.kernel_id not in self.kernels.kernels]:
            del self.sessions[sid]

    def notebook_for_kernel(self, kernel_id: str) -> str | None:
        """The API path of the notebook a kernel serves, if it has a notebook session."""
        for s in self.sessions.values():
            if s.kernel_id == kernel_id and s.path.endswith(".ipynb"):
                return s.path
        return None

    def list(self) -> list[dict[str, Any]]:
        self._prune()
        return [self.model(s) for s in self.sessions.values()]

    def get(self, session_id: str) -> Session:
        self._prune()
        try:
            return self.sessions[session_id]
        except KeyError:
            raise NoSuchSession(session_id) from None

    async def create(
        self, path: str, type: str, name: str | None, kernel_name: str | None, kernel_id: str | None
    ) -> Session:
        async with self._lock:
            self._prune()
            for s in self.sessions.values():
                if s.path == path:
                    return s
            if kernel_id:
                if kernel_id not in self.kernels.kernels:
                    raise NoSuchKernel(kernel_id)
                kid = kernel_id
            else:
                kid = (await self._start(path, kernel_name)).id
            s = Session(id=str(uuid.uuid4()), path=path, name=name or "", type=type, kernel_id=kid)
            self.sessions[s.id] = s
            log.info("session created", extra={"session": s.id, "path": path, "kernel_id": kid})
            return s

    async def _start(self, path: str, kernel_name: str | None):  # type: ignore[no-untyped-def]
        cwd = self.contents.kernel_cwd(path)
        return await self.kernels.start_kernel(kernel_name, cwd=cwd, env={"JPY_SESSION_NAME": path})

    async def update(self, session_id: str, changes: dict[str, Any]) -> Session:
        s = self.get(session_id)
        for key in ("path", "name", "type"):
            if key in changes and changes[key] is not None:
                if not isinstance(changes[key], str):
                    raise BadRequest(f"{key} must be a string")
                if key == "path" and any(o.path == changes[key] and o.id != s.id for o in self.sessions.values()):
                    raise Conflict(f"Session already exists for path {changes[key]}")
                setattr(s, key, changes[key])
        kernel = changes.get("kernel")
        if isinstance(kernel, dict):
            old = s.kernel_id
            if kernel.get("id"):
                if kernel["id"] not in self.kernels.kernels:
                    raise BadRequest(f"No such kernel: {kernel['id']}")
                s.kernel_id = kernel["id"]
            elif kernel.get("name") is not None or "name" in kernel:
                s.kernel_id = (await self._start(s.path, kernel.get("name"))).id
            if s.kernel_id != old and not any(o.kernel_id == old for o in self.sessions.values()):
                try:
                    await self.kernels.shutdown(old)
                except NoSuchKernel:
                    pass
        return s

    async def delete(self, session_id: str) -> None:
        s = self.get(session_id)
        del self.sessions[session_id]
        if not any(o.kernel_id == s.kernel_id for o in self.sessions.values()):
            try:
                await self.kernels.shutdown(s.kernel_id)
            except NoSuchKernel:
                pass
