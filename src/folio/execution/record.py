"""What a headless run did: one record per run, one per executed cell. Stored in the output notebook's metadata
(``metadata.folio.run`` and each cell's ``metadata.folio``) and returned to library callers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Status = Literal["pending", "running", "ok", "error", "timeout", "dead-kernel", "interrupted"]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class CellError:
    cell_index: int
    cell_id: str | None
    execution_count: int | None
    ename: str
    evalue: str
    traceback: list[str] = field(default_factory=list)


@dataclass
class CellRecord:
    index: int
    cell_id: str | None
    first_line: str
    start_time: str | None = None
    end_time: str | None = None
    duration: float | None = None
    status: Status = "pending"

    def metadata(self) -> dict[str, Any]:
        return {"start_time": self.start_time, "end_time": self.end_time, "duration": self.duration,
                "status": self.status}


@dataclass
class RunRecord:
    input_path: str
    output_path: str | None
    parameters: dict[str, Any]
    kernel_name: str
    kernel: dict[str, Any] = field(default_factory=dict)
    cwd: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration: float | None = None
    status: Status = "pending"
    cells_total: int = 0
    cells_run: int = 0
    error: CellError | None = None
    message: str | None = None
    environment: dict[str, Any] = field(default_factory=dict)
    cells: list[CellRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self, *, cells: bool = True) -> dict[str, Any]:
        d = asdict(self)
        if not cells:
            d.pop("cells")
        return d

    def metadata(self) -> dict[str, Any]:
        """The notebook-level part (per-cell records live on the cells themselves)."""
        d = self.to_dict(cells=False)
        d.pop("input_path")
        d.pop("output_path")
        d["input_path"] = self.input_path
        return d
