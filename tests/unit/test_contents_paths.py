"""The one path resolver: what it accepts and every hostile form it refuses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from folio.contents import paths
from folio.contents.local import LocalContents
from folio.errors import InvalidPath, UnsafePath


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "root"
    (r / "sub").mkdir(parents=True)
    (r / "sub" / "nb.ipynb").write_text("{}")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret")
    return r.resolve()


@pytest.mark.parametrize(
    ("api_path", "expected"),
    [("", ""), ("sub", "sub"), ("sub/", "sub"), ("sub//nb.ipynb", "sub/nb.ipynb"), ("./sub/./nb.ipynb", "sub/nb.ipynb"),
     ("héllo wörld/漢字.ipynb", "héllo wörld/漢字.ipynb"), ("50%25 off.txt", "50%25 off.txt"), ("~notes", "~notes")],
)
def test_accepted_paths_normalize(api_path: str, expected: str) -> None:
    assert paths.normalize(api_path) == expected


@pytest.mark.parametrize(
    ("api_path", "error"),
    [
        ("..", UnsafePath),
        ("../outside/secret.txt", UnsafePath),
        ("sub/../../outside", UnsafePath),
        ("sub/..", UnsafePath),
        ("%2e%2e", UnsafePath),
        ("%2E%2E/outside", UnsafePath),
        ("%252e%252e", UnsafePath),
        ("sub/%2e%2e%2f%2e%2e%2foutside", UnsafePath),
        ("%2e%2e%5coutside", UnsafePath),
        ("/etc/passwd", InvalidPath),
        ("sub/\x00.txt", InvalidPath),
        ("sub\\..\\..\\outside", InvalidPath),
        ("a\nb", InvalidPath),
        ("%00", UnsafePath),
    ],
)
def test_hostile_paths_refused(root: Path, api_path: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        paths.resolve(root, api_path)


def test_resolve_stays_inside(root: Path) -> None:
    assert paths.resolve(root, "sub/nb.ipynb") == root / "sub" / "nb.ipynb"
    assert paths.resolve(root, "") == root
    assert paths.resolve(root, "new/dir/not-yet.txt") == root / "new" / "dir" / "not-yet.txt"


def test_symlink_out_of_root_refused_for_reads_and_writes(root: Path) -> None:
    outside = root.parent / "outside"
    os.symlink(outside, root / "link")
    os.symlink(outside / "secret.txt", root / "file-link")
    os.symlink(outside / "missing.txt", root / "dangling")
    for p in ("link", "link/secret.txt", "link/new-file.txt", "file-link", "dangling"):
        with pytest.raises(UnsafePath):
            paths.resolve(root, p)
    assert paths.resolve(root, "link/secret.txt", allow_symlinks_out_of_root=True) == root / "link" / "secret.txt"


def test_symlink_inside_root_allowed(root: Path) -> None:
    os.symlink(root / "sub", root / "alias")
    assert paths.resolve(root, "alias/nb.ipynb") == root / "alias" / "nb.ipynb"


def test_kernel_cwd_walks_up_to_an_existing_folder(root: Path) -> None:
    c = LocalContents(root)
    assert c.kernel_cwd("sub/nb.ipynb") == root / "sub"
    assert c.kernel_cwd("sub") == root / "sub"
    assert c.kernel_cwd("sub/missing/deeper/x.ipynb") == root / "sub"
    assert c.kernel_cwd("Untitled-3f1c.ipynb") == root
    assert c.kernel_cwd("") == root
    with pytest.raises(UnsafePath):
        c.kernel_cwd("../outside/x.ipynb")
