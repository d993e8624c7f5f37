"""Storage of files and notebooks: the local filesystem store (atomic writes, checkpoints, chunked uploads)."""

from folio.contents.local import LocalContents

__all__ = ["LocalContents"]
