"""Placeholder: the local filesystem contents store (being written)."""

from __future__ import annotations

from pathlib import Path

from folio.settings import Settings


class LocalContents:
    def __init__(self, root_dir: Path) -> None:
        self.root_dir = root_dir

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalContents:
        return cls(settings.root_dir)
