"""Atomic writes: replace in one rename, keep modes and symlinks, never clobber on exclusive create."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from folio.contents.atomic import TEMP_PREFIX, StagedWrite, atomic_write


def temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_replace_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("old")
    os.chmod(f, 0o640)
    inode = f.stat().st_ino
    atomic_write(f, [b"new ", b"content"])
    assert f.read_bytes() == b"new content"
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert f.stat().st_ino != inode  # a new file renamed over the old one, not a rewrite in place
    assert temps(tmp_path) == []


def test_writing_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_text() == "new"


def test_exclusive_create_never_clobbers(tmp_path: Path) -> None:
    f = tmp_path / "taken.txt"
    f.write_text("mine")
    with pytest.raises(FileExistsError):
        atomic_write(f, b"theirs", exclusive=True)
    assert f.read_text() == "mine" and temps(tmp_path) == []


def test_failure_mid_write_leaves_old_file(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("old")

    def chunks():  # type: ignore[no-untyped-def]
        yield b"partial"
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write(f, chunks())
    assert f.read_text() == "old" and temps(tmp_path) == []


def test_staged_write_commit_and_abort(tmp_path: Path) -> None:
    import hashlib

    f = tmp_path / "nb.ipynb"
    f.write_text("old")
    with ThreadPoolExecutor(1) as pool:
        stage = StagedWrite(f, pool)
        stage.feed(b"dropped")
        stage.abort()
        assert f.read_text() == "old" and temps(tmp_path) == []
        stage = StagedWrite(f, pool)
        for piece in (b"kept", memoryview(b"--\n")[2:]):
            stage.feed(piece)
        digest = stage.commit()
    assert f.read_text() == "kept\n" and temps(tmp_path) == []
    assert digest == hashlib.sha256(b"kept\n").hexdigest()
