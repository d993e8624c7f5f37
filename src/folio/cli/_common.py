"""Helpers shared by the toolchain's commands: error mapping to exit codes, ANSI handling, path expansion."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from folio.errors import BadRequest, FolioError, KernelUnavailable, NotFound

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ToolError(click.ClickException):
    """A FolioError shown to the user; exit code by class (2 usage-like, 3 kernel unavailable, else 1)."""

    def __init__(self, err: FolioError | str, exit_code: int | None = None) -> None:
        super().__init__(str(err))
        if exit_code is not None:
            self.exit_code = exit_code
        elif isinstance(err, KernelUnavailable):
            self.exit_code = 3
        elif isinstance(err, BadRequest | NotFound):
            self.exit_code = 2
        else:
            self.exit_code = 1

    def show(self, file: object = None) -> None:
        click.echo(f"folio: {self.format_message()}", err=True)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def expand_notebooks(paths: Iterable[str], pattern: str = "*.ipynb") -> list[Path]:
    """Files as given; folders expanded to the notebooks under them (checkpoints skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(q for q in p.rglob(pattern) if ".ipynb_checkpoints" not in q.parts)
        else:
            out.append(p)
    return out
