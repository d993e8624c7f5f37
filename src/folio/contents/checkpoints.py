"""File checkpoints like jupyter_server's FileCheckpoints: one checkpoint per file, id ``"checkpoint"``,
stored as ``.ipynb_checkpoints/<stem>-checkpoint<ext>`` next to the file."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from folio.contents.atomic import atomic_copy

CHECKPOINT_DIR = ".ipynb_checkpoints"
CHECKPOINT_ID = "checkpoint"


def checkpoint_path(file: Path, checkpoint_id: str = CHECKPOINT_ID) -> Path:
    stem, ext = os.path.splitext(file.name)
    return file.parent / CHECKPOINT_DIR / f"{stem}-{checkpoint_id}{ext}"


def exists(file: Path) -> bool:
    return checkpoint_path(file).is_file()


def create(file: Path) -> os.stat_result:
    """Copy ``file`` to its checkpoint (atomically); the checkpoint's stat."""
    cp = checkpoint_path(file)
    cp.parent.mkdir(exist_ok=True)
    atomic_copy(file, cp, fsync=False)  # a snapshot: atomic, but not worth a second fsync of a big file
    return os.stat(cp)


def stat(file: Path, checkpoint_id: str = CHECKPOINT_ID) -> os.stat_result | None:
    if checkpoint_id != CHECKPOINT_ID:
        return None
    try:
        return os.stat(checkpoint_path(file, checkpoint_id))
    except (FileNotFoundError, NotADirectoryError):
        return None


def restore(file: Path, checkpoint_id: str) -> bool:
    """Put the checkpoint's bytes back into ``file`` atomically; False if there is no such checkpoint."""
    cp = checkpoint_path(file, checkpoint_id)
    if checkpoint_id != CHECKPOINT_ID or not cp.is_file():
        return False
    atomic_copy(cp, file)
    return True


def delete(file: Path, checkpoint_id: str) -> bool:
    if checkpoint_id != CHECKPOINT_ID:
        return False
    try:
        os.unlink(checkpoint_path(file, checkpoint_id))
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def delete_all(file: Path) -> None:
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        os.unlink(checkpoint_path(file))


def move(old: Path, new: Path) -> None:
    """After ``old`` was renamed to ``new``: its checkpoint follows (a stale one at the new name is replaced)."""
    src = checkpoint_path(old)
    if not src.is_file():
        return
    dst = checkpoint_path(new)
    dst.parent.mkdir(exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError:  # another filesystem
        shutil.move(src, dst)
