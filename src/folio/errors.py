"""folio's error hierarchy. Layers raise these; only ``folio.server.errors`` maps them to HTTP.

    FolioError
    ├── NotFound          (NoSuchFile, NoSuchKernel, NoSuchSession, NoSuchKernelSpec, NoSuchCheckpoint)
    ├── Forbidden         (UnsafePath)
    ├── Unauthorized
    ├── Conflict          (FileExists)
    ├── BadRequest        (InvalidNotebook, InvalidPath)
    ├── TooLarge
    ├── TooManyRequests
    ├── KernelDied
    ├── Timeout
    └── KernelUnavailable (a kernelspec that cannot be started)

Each error carries its fields; ``str(err)`` is the human message.
"""

from __future__ import annotations


class FolioError(Exception):
    """Base of every error folio raises on purpose."""

    reason: str | None = None

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason


class NotFound(FolioError):
    pass


class NoSuchFile(NotFound):
    def __init__(self, path: str) -> None:
        super().__init__(f"No such file or directory: {path}")
        self.path = path


class NoSuchKernel(NotFound):
    def __init__(self, kernel_id: str) -> None:
        super().__init__(f"Kernel does not exist: {kernel_id}")
        self.kernel_id = kernel_id


class NoSuchSession(NotFound):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"Session not found: {session_id}")
        self.session_id = session_id


class NoSuchKernelSpec(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"Kernel spec {name} not found")
        self.name = name


class NoSuchCheckpoint(NotFound):
    def __init__(self, path: str, checkpoint_id: str) -> None:
        super().__init__(f"Checkpoint does not exist: {path}@{checkpoint_id}")
        self.path = path
        self.checkpoint_id = checkpoint_id


class Forbidden(FolioError):
    pass


class UnsafePath(Forbidden):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"Refused path {path!r}: {why}", reason="unsafe path")
        self.path = path
        self.why = why


class Unauthorized(FolioError):
    pass


class Conflict(FolioError):
    pass


class FileExists(Conflict):
    def __init__(self, path: str) -> None:
        super().__init__(f"File already exists: {path}")
        self.path = path


class BadRequest(FolioError):
    pass


class InvalidPath(BadRequest):
    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"Invalid path {path!r}: {why}", reason="bad path")
        self.path = path
        self.why = why


class InvalidNotebook(BadRequest):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"Invalid notebook {path}: {detail}", reason="bad notebook")
        self.path = path
        self.detail = detail


class TooLarge(FolioError):
    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} is larger than the limit of {limit} bytes", reason="too large")
        self.what = what
        self.limit = limit


class TooManyRequests(FolioError):
    pass


class KernelDied(FolioError):
    def __init__(self, kernel_id: str, detail: str = "") -> None:
        super().__init__(f"Kernel {kernel_id} died" + (f": {detail}" if detail else ""))
        self.kernel_id = kernel_id
        self.detail = detail


class KernelUnavailable(FolioError):
    """The kernelspec exists but its kernel cannot be started, or no such spec exists at start time."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(
            f"The '{name}' kernel is not available. Please pick another suitable kernel instead, "
            "or install that kernel." + (f" ({detail})" if detail else "")
        )
        self.name = name
        self.detail = detail


class Timeout(FolioError):
    pass


# -- headless toolchain (folio run/test/...): errors name the notebook, the cell and the reason


class CellExecutionFailed(FolioError):
    """A cell raised while a notebook ran headlessly; carries where and why."""

    def __init__(
        self,
        notebook: str,
        cell_index: int,
        cell_id: str | None,
        ename: str,
        evalue: str,
        traceback: list[str] | None = None,
        execution_count: int | None = None,
    ) -> None:
        where = f"cell {cell_index + 1}" + (f" (id {cell_id})" if cell_id else "")
        super().__init__(f"{notebook}: {where} failed: {ename}: {evalue}", reason="cell error")
        self.notebook = notebook
        self.cell_index = cell_index
        self.cell_id = cell_id
        self.ename = ename
        self.evalue = evalue
        self.traceback = traceback or []
        self.execution_count = execution_count


class ExecutionTimeout(Timeout):
    """A cell or a whole run took longer than its limit."""

    def __init__(self, notebook: str, what: str, limit: float, cell_index: int | None = None) -> None:
        where = f" at cell {cell_index + 1}" if cell_index is not None else ""
        super().__init__(f"{notebook}: {what} exceeded its timeout of {limit:g}s{where}", reason="timeout")
        self.notebook = notebook
        self.what = what
        self.limit = limit
        self.cell_index = cell_index


class ParameterError(BadRequest):
    """Parameters could not be read or translated for the notebook's kernel language."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Bad parameters: {detail}", reason="bad parameters")
        self.detail = detail
