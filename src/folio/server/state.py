"""The typed facade through which routes reach shared state (never globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from folio.auth import TokenAuth
from folio.observability.metrics import Metrics
from folio.server.body_cache import BodyCache
from folio.settings import Settings

if TYPE_CHECKING:
    from folio.contents.local import LocalContents
    from folio.execution.recorder import OutputRecorder
    from folio.kernels.registry import KernelRegistry
    from folio.kernels.sessions import SessionManager
    from folio.server.save_scan import SaveScanner


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class FolioState:
    settings: Settings
    metrics: Metrics
    auth: TokenAuth
    contents: LocalContents
    kernels: KernelRegistry
    sessions: SessionManager
    recorder: OutputRecorder | None = None
    save_scanner: SaveScanner | None = None
    notebook_bodies: BodyCache = field(default_factory=lambda: BodyCache(0))
    started: datetime = field(default_factory=utcnow)


def get_state(conn: HTTPConnection) -> FolioState:
    """FastAPI dependency: ``state: FolioState = Depends(get_state)``."""
    return conn.app.state.folio
