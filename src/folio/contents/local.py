"""The local-filesystem contents store: Jupyter contents models, atomic saves, chunked uploads, checkpoints.

Every method is synchronous and does blocking IO: the server calls them through ``anyio.to_thread``. Errors
are folio.errors classes (never HTTP). Models follow jupyter_server 2.x: every key always present.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fnmatch
import hashlib
import os
import re
import shutil
import stat as st
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import orjson

from folio.contents import checkpoints, paths
from folio.contents.atomic import (
    _UMASK,
    TEMP_PREFIX,
    StagedWrite,
    atomic_copy,
    atomic_write,
    fsync_dir,
    is_temp_name,
)
from folio.contents.models import (
    Model,
    Writable,
    all_code_cells_trusted,
    decode_file_content,
    guess_mimetype,
    iso,
    numbered,
    samefile,
    sha256,
)
from folio.contents.trust import TrustStore
from folio.errors import BadRequest, FileExists, Forbidden, InvalidNotebook, NoSuchCheckpoint, NoSuchFile
from folio.notebook import document
from folio.notebook.outputs import cut_outputs, output_size
from folio.settings import Settings

UNTITLED_FILE = "untitled"
UNTITLED_NOTEBOOK = "Untitled"
UNTITLED_DIRECTORY = "Untitled Folder"
_COPY_PAT = re.compile(r"\-Copy\d*\.")
_UPLOAD_TAG = "upload-"
# Hashing a big file runs beside parsing it: hashlib releases the GIL, so the two use both cores.
_HASHER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="folio-hash")
_IO = ThreadPoolExecutor(max_workers=4, thread_name_prefix="folio-write")
_PARALLEL_HASH_MIN = 1 << 20


class TrustRecord(Protocol):
    def __contains__(self, digest: object) -> bool: ...

    def add(self, digest: str) -> None: ...

    def discard(self, digest: str) -> None: ...


class NotebookKey(NamedTuple):
    """A notebook file's identity on disk: a save, an in-place rewrite or a chmod makes a new one."""

    path: str
    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int
    mode: int


class LocalContents:
    """Files and notebooks under ``root_dir``, served as Jupyter contents models."""

    def __init__(
        self,
        root_dir: Path,
        *,
        allow_hidden: bool = False,
        allow_symlinks_out_of_root: bool = False,
        hide_globs: Iterable[str] = (),
        trusted: TrustRecord | None = None,
        output_limits: tuple[int, int, bool] = (0, 0, False),
    ) -> None:
        self.root_dir = Path(os.path.realpath(root_dir))
        self.allow_hidden = allow_hidden
        self.allow_symlinks_out_of_root = allow_symlinks_out_of_root
        globs = tuple(hide_globs)
        self._hide_re = re.compile("|".join(fnmatch.translate(g) for g in globs)) if globs else None
        self._writable = Writable()
        # sha256 of notebook bytes known to be valid (written or validated by us): skips re-validating on open.
        self._valid: OrderedDict[str, None] = OrderedDict()
        # sha256 of notebooks saved with every code cell trusted (``in``/``add``/``discard``); the server
        # passes a persistent, signed folio.contents.trust.TrustStore.
        self.trusted: TrustRecord = trusted if trusted is not None else set()
        #: (bytes per output, bytes per cell, keep cut outputs in files): applied to every notebook saved.
        self.output_limits = output_limits

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalContents:
        # Compiling nbformat's schema takes about a second: do it now, in the background, not on the first save.
        threading.Thread(target=document.warm_up, name="folio-nbschema", daemon=True).start()
        return cls(
            settings.root_dir,
            allow_hidden=settings.allow_hidden,
            allow_symlinks_out_of_root=settings.allow_symlinks_out_of_root,
            hide_globs=settings.hide_globs,
            trusted=TrustStore(),
            output_limits=(settings.output_max_bytes, settings.cell_output_max_bytes, settings.output_overflow_files),
        )

    # -- paths -------------------------------------------------------------------------------------------------

    def resolve(self, api_path: str) -> Path:
        """The filesystem path of ``api_path`` (which need not exist); refuses escapes from the root."""
        return paths.resolve(self.root_dir, api_path, allow_symlinks_out_of_root=self.allow_symlinks_out_of_root)

    def kernel_cwd(self, api_path: str) -> Path:
        """Folder for a kernel started for ``api_path``: the path if a dir, else its parent, walking up to one that
        exists (never above the root). The path need not exist."""
        path = self.resolve(api_path)
        while path != self.root_dir and not path.is_dir():
            path = path.parent
        return path

    def is_hidden(self, api_path: str) -> bool:
        """True if any segment of the path starts with '.' (the policy hidden files follow)."""
        return any(seg.startswith(".") for seg in paths.split(api_path))

    def _path(self, api_path: str, *, write: bool = False) -> tuple[str, Path]:
        """(normalized api path, os path) after the safety and hidden-file checks."""
        norm = paths.normalize(api_path)
        os_path = self.resolve(norm)
        if not self.allow_hidden and self.is_hidden(norm):
            if write:
                raise BadRequest(f"Cannot create or change hidden file or directory {norm!r}", reason="hidden")
            raise NoSuchFile(norm)
        if any(is_temp_name(seg) for seg in norm.split("/")):
            raise NoSuchFile(norm)  # folio's own temp files are never served
        return norm, os_path

    def _stat(self, norm: str, os_path: Path) -> os.stat_result:
        try:
            return os.stat(os_path)
        except (FileNotFoundError, NotADirectoryError):
            raise NoSuchFile(norm) from None
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise NoSuchFile(norm) from None
            raise

    # -- models ------------------------------------------------------------------------------------------------

    def _base(self, norm: str, s: os.stat_result, kind: str, writable: bool | None = None) -> Model:
        return {
            "name": norm.rsplit("/", 1)[-1],
            "path": norm,
            "type": kind,
            "writable": self._writable(s) if writable is None else writable,
            "created": iso(s.st_ctime_ns),
            "last_modified": iso(s.st_mtime_ns),
            "size": None if kind == "directory" else s.st_size,
            "mimetype": None,
            "content": None,
            "format": None,
            "hash": None,
            "hash_algorithm": None,
        }

    def get(
        self,
        api_path: str,
        *,
        content: bool = True,
        type: str | None = None,
        format: str | None = None,
        hash: bool = False,
    ) -> Model:
        """The model of a file, notebook or directory (a directory's content lists its visible children)."""
        if format not in (None, "text", "base64"):
            raise BadRequest(f"Format {format!r} is invalid", reason="bad format")
        if type not in (None, "file", "notebook", "directory"):
            type = "file"
        norm, os_path = self._path(api_path)
        s = self._stat(norm, os_path)
        if st.S_ISDIR(s.st_mode):
            if type not in (None, "directory"):
                raise BadRequest(f"{norm} is a directory, not a {type}", reason="bad type")
            return self._dir_model(norm, os_path, s, content)
        if not st.S_ISREG(s.st_mode):
            raise NoSuchFile(norm)
        if type == "directory":
            raise BadRequest(f"{norm} is not a directory", reason="bad type")
        if type == "notebook" or (type is None and norm.endswith(".ipynb")):
            return self._notebook_model(norm, os_path, s, content, hash)
        return self._file_model(norm, os_path, s, content, format, hash)

    def notebook_key(self, api_path: str) -> NotebookKey | None:
        """What identifies the bytes of the notebook at api_path as they are on disk now (None: not a
        notebook file); the same key means the same model. For caches of served notebooks."""
        norm, os_path = self._path(api_path)
        s = self._stat(norm, os_path)
        if not st.S_ISREG(s.st_mode) or not norm.endswith(".ipynb"):
            return None
        return NotebookKey(norm, s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_mode)

    def _dir_model(self, norm: str, os_path: Path, s: os.stat_result, content: bool) -> Model:
        model = self._base(norm, s, "directory", os.access(os_path, os.W_OK))
        if content:
            model["content"] = self._list(norm, os_path)
            model["format"] = "json"
        return model

    def _list(self, norm: str, os_path: Path) -> list[Model]:
        prefix = f"{norm}/" if norm else ""
        root = str(self.root_dir)
        hide = self._hide_re.match if self._hide_re else None
        writable = self._writable
        check_links = not self.allow_symlinks_out_of_root
        out = []
        try:
            entries = list(os.scandir(os_path))
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                if not self.allow_hidden or name.startswith(TEMP_PREFIX):
                    continue
            if hide is not None and hide(name):
                continue
            try:
                s = entry.stat()  # follows symlinks; the one syscall per entry
            except OSError:
                continue  # broken symlink, loop, or no permission: not listed (as jupyter_server)
            if check_links and entry.is_symlink() and not paths.is_inside(os.path.realpath(entry.path), root):
                continue
            mode = s.st_mode
            if st.S_ISDIR(mode):
                kind, mimetype, size = "directory", None, None
            elif st.S_ISREG(mode):
                size = s.st_size
                if name.endswith(".ipynb"):
                    kind, mimetype = "notebook", None
                else:
                    kind, mimetype = "file", guess_mimetype(name)
            else:
                continue  # sockets, fifos, devices
            out.append(
                {
                    "name": name,
                    "path": prefix + name,
                    "type": kind,
                    "writable": writable(s),
                    "created": iso(s.st_ctime_ns),
                    "last_modified": iso(s.st_mtime_ns),
                    "size": size,
                    "mimetype": mimetype,
                    "content": None,
                    "format": None,
                    "hash": None,
                    "hash_algorithm": None,
                }
            )
        return out

    def _file_model(
        self, norm: str, os_path: Path, s: os.stat_result, content: bool, format: str | None, hash: bool
    ) -> Model:
        model = self._base(norm, s, "file")
        model["mimetype"] = guess_mimetype(model["name"])
        if not content and not hash:
            return model
        data = self._read(norm, os_path)
        if hash:
            model["hash"], model["hash_algorithm"] = sha256(data), "sha256"
        if content:
            if format != "base64":
                try:
                    model["content"] = data.decode("utf-8")
                    model["format"] = "text"
                except UnicodeDecodeError:
                    if format == "text":
                        raise BadRequest(f"{norm} is not UTF-8 encoded", reason="bad format") from None
            if model["format"] is None:
                model["content"] = base64.encodebytes(data).decode("ascii")
                model["format"] = "base64"
            if model["mimetype"] is None:
                model["mimetype"] = "text/plain" if model["format"] == "text" else "application/octet-stream"
        return model

    def _read(self, norm: str, os_path: Path) -> bytes:
        try:
            with open(os_path, "rb") as f:
                return f.read()
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None
        except (FileNotFoundError, IsADirectoryError):
            raise NoSuchFile(norm) from None

    def _notebook_model(self, norm: str, os_path: Path, s: os.stat_result, content: bool, hash: bool) -> Model:
        model = self._base(norm, s, "notebook")
        if not content and not hash:
            return model
        data = self._read(norm, os_path)
        if not content:
            model["hash"], model["hash_algorithm"] = sha256(data), "sha256"
            return model
        pending = _HASHER.submit(sha256, data) if len(data) >= _PARALLEL_HASH_MIN else None
        with document.gc_paused():
            try:
                nb = document.parse(data, norm)
            finally:
                digest = pending.result() if pending is not None else sha256(data)
            if digest not in self._valid:
                document.validate(nb, norm)
                self._remember_valid(digest)
        trusted = digest in self.trusted
        for cell in nb["cells"]:
            if cell.get("cell_type") == "code" and isinstance(cell.get("metadata"), dict):
                cell["metadata"]["trusted"] = trusted
        model["content"] = nb
        model["format"] = "json"
        if hash:
            model["hash"], model["hash_algorithm"] = digest, "sha256"
        return model

    def _remember_valid(self, digest: str) -> None:
        self._valid[digest] = None
        self._valid.move_to_end(digest)
        while len(self._valid) > 4096:
            self._valid.popitem(last=False)

    # -- saving ------------------------------------------------------------------------------------------------

    def exists(self, api_path: str) -> bool:
        try:
            return self.resolve(api_path).exists()
        except (BadRequest, Forbidden):
            return False

    def save(self, model: Model, api_path: str) -> tuple[Model, bool]:
        """Save a model (notebook, file, directory, or one chunk of an upload); (model without content, created)."""
        if not isinstance(model, dict):
            raise BadRequest("The body must be a JSON object (a contents model)")
        norm, os_path = self._path(api_path, write=True)
        if not norm:
            raise BadRequest("Cannot save over the root directory")
        if model.get("copy_from"):
            raise BadRequest("Cannot copy with PUT, only POST")
        kind = model.get("type")
        if not kind:
            raise BadRequest("No file type provided")
        if kind not in ("file", "notebook", "directory"):
            kind = "file"
        self._check_parent(norm, os_path)
        existed = os.path.lexists(os_path)
        chunk = model.get("chunk")
        if chunk is not None:
            return self._save_chunk(norm, os_path, model, kind, chunk, existed)
        if kind == "directory":
            if existed and not os_path.is_dir():
                raise BadRequest(f"Not a directory: {norm}")
            if not existed:
                self._mkdir(norm, os_path)
            return self.get(norm, content=False), not existed
        if existed and os_path.is_dir():
            raise BadRequest(f"{norm} is a directory", reason="bad type")
        if "content" not in model or model["content"] is None:
            if existed:
                raise BadRequest("No file content provided")
            model = {**model, "content": document.new_notebook() if kind == "notebook" else "", "format": None}
        if kind == "notebook":
            return self._save_notebook(norm, os_path, model["content"]), not existed
        data = decode_file_content(model.get("content"), model.get("format"))
        self._write(norm, os_path, data)
        return self._saved_model(norm, os_path, data), not existed

    def _check_parent(self, norm: str, os_path: Path) -> None:
        parent = os_path.parent
        if not parent.is_dir():
            raise NoSuchFile(norm.rsplit("/", 1)[0] if "/" in norm else "")

    def _mkdir(self, norm: str, os_path: Path) -> None:
        try:
            os.mkdir(os_path)
        except FileExistsError:
            raise FileExists(norm) from None
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None

    def _write(self, norm: str, os_path: Path, data: bytes | Iterable[bytes], *, exclusive: bool = False) -> None:
        try:
            atomic_write(os_path, data, exclusive=exclusive)
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None
        except IsADirectoryError:
            raise BadRequest(f"{norm} is a directory", reason="bad type") from None

    def _saved_model(self, norm: str, os_path: Path, data: bytes, kind: str | None = None) -> Model:
        model = self.get(norm, content=False, type=kind)
        model["hash"], model["hash_algorithm"] = sha256(data), "sha256"
        return model

    def _cut_outputs(self, norm: str, nb: dict[str, Any]) -> None:
        """Cut outputs over the size limits; with overflow files on, each whole output goes next to the notebook."""
        per_output, per_cell, keep_files = self.output_limits
        folder = (norm[: -len(".ipynb")] if norm.endswith(".ipynb") else norm) + ".outputs"
        cells = nb.get("cells")
        if not isinstance(cells, list):
            return
        for cell in cells:
            outs = cell.get("outputs") if isinstance(cell, dict) and cell.get("cell_type") == "code" else None
            if not isinstance(outs, list) or not outs:
                continue
            sizes = [output_size(o) if isinstance(o, dict) else 0 for o in outs]
            if not ((per_output and max(sizes) > per_output) or (per_cell and sum(sizes) > per_cell)):
                continue
            cell_id = str(cell.get("id") or "cell")

            def keep(index: int, out: dict[str, Any], cell_id: str = cell_id) -> str | None:
                if not keep_files:
                    return None
                is_text = out.get("output_type") == "stream"
                name = f"{folder}/{cell_id}-{index}.{'txt' if is_text else 'json'}"
                text = out.get("text", "")
                body = ("".join(text) if isinstance(text, list) else str(text)) if is_text else \
                    orjson.dumps(out, option=orjson.OPT_INDENT_2).decode()
                try:
                    n, p = self._path(folder, write=True)
                    if not p.is_dir():
                        self._mkdir(n, p)
                    n, p = self._path(name, write=True)
                    self._write(n, p, body.encode("utf-8", "surrogatepass"))
                except Exception:
                    return None
                return name

            cell["outputs"], _ = cut_outputs([o for o in outs if isinstance(o, dict)], per_output, per_cell, keep)

    def _save_notebook(self, norm: str, os_path: Path, nb: Any, *, exclusive: bool = False) -> Model:
        if not isinstance(nb, dict):
            raise InvalidNotebook(norm, "the notebook content must be a JSON object")
        with document.gc_paused():
            minor = nb.get("nbformat_minor")
            if nb.get("nbformat") == 4 and type(minor) is int and minor >= 5 and isinstance(nb.get("cells"), list):
                document.repair_ids(nb["cells"])  # before serializing: validation would repair them anyway
            trusted = all_code_cells_trusted(nb)
            if self.output_limits[0] or self.output_limits[1]:
                self._cut_outputs(norm, nb)
            # Pieces of the file go to disk (and get hashed) on another thread while this one serializes the
            # rest and then validates; the rename only happens for a valid notebook, so an invalid one never
            # touches the file.
            try:
                stage = StagedWrite(os_path, _IO, exclusive=exclusive)
            except PermissionError:
                raise Forbidden(f"Permission denied: {norm}") from None
            try:
                try:
                    for piece in document.iter_dumps(nb):
                        stage.feed(piece)
                except ValueError as e:
                    document.validate(nb, norm)  # the schema's complaint is the better message
                    raise InvalidNotebook(norm, f"cannot be written as JSON: {e}") from None
                document.validate(nb, norm)
            except BaseException:
                stage.abort()
                raise
        try:
            digest = stage.commit()
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None
        except IsADirectoryError:
            raise BadRequest(f"{norm} is a directory", reason="bad type") from None
        self._remember_valid(digest)
        if trusted:
            self.trusted.add(digest)
        else:
            self.trusted.discard(digest)
        if not checkpoints.exists(os_path):
            # One checkpoint always exists for a saved notebook (as jupyter_server).
            with contextlib.suppress(OSError):
                checkpoints.create(os_path)
        model = self.get(norm, content=False, type="notebook")
        model["hash"], model["hash_algorithm"] = digest, "sha256"
        return model

    def _save_chunk(
        self, norm: str, os_path: Path, model: Model, kind: str, chunk: Any, existed: bool
    ) -> tuple[Model, bool]:
        # Chunks are assembled in a hidden part file next to the target; the last chunk (-1) renames it over the
        # target, so an abandoned or broken upload never replaces the old file. Mid-upload the model describes
        # the target with the bytes received so far (sizes grow as in jupyter_server).
        if kind != "file":
            raise BadRequest(f"Chunked uploads are for files only, not {kind!r}")
        if type(chunk) is not int or chunk == 0 or chunk < -1:
            raise BadRequest(f"Invalid chunk number {chunk!r}")
        if os_path.is_dir():
            raise BadRequest(f"{norm} is a directory", reason="bad type")
        data = decode_file_content(model.get("content", ""), model.get("format"))
        tag = hashlib.sha1(os_path.name.encode()).hexdigest()[:20]  # one part file per target, any name length
        part = os_path.with_name(f"{TEMP_PREFIX}{_UPLOAD_TAG}{tag}.part")
        part_existed = part.exists()
        try:
            with open(part, "wb" if chunk == 1 else "ab") as f:
                f.write(data)
                if chunk == -1:
                    f.flush()
                    os.fsync(f.fileno())
            if chunk == -1:
                if existed:
                    with contextlib.suppress(OSError):
                        os.chmod(part, st.S_IMODE(os.stat(os_path).st_mode))
                else:
                    os.chmod(part, 0o666 & ~_UMASK)
                target = Path(os.path.realpath(os_path)) if os_path.is_symlink() else os_path
                os.replace(part, target)
                fsync_dir(target.parent)
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None
        created = not existed and not part_existed
        if chunk == -1:
            return self.get(norm, content=False), created
        s = os.stat(part)
        out = self._base(norm, s, "file")
        out["mimetype"] = guess_mimetype(out["name"])
        return out, created

    # -- new, copy, rename, delete -----------------------------------------------------------------------------

    def new_untitled(self, dir_path: str, *, type: str = "", ext: str = "") -> Model:
        """Create ``untitled[N]<ext>``, ``UntitledN.ipynb`` or ``Untitled Folder[ N]`` in a folder."""
        norm, os_dir = self._path(dir_path, write=True)
        self._require_dir(norm, os_dir)
        if type not in ("", "file", "notebook", "directory"):
            type = "file"
        kind = type or ("notebook" if ext == ".ipynb" else "file")
        ext = ext or ""
        if kind == "directory":
            base, insert = UNTITLED_DIRECTORY + ext, " "
        elif kind == "notebook":
            base, insert = UNTITLED_NOTEBOOK + ".ipynb", ""
        else:
            base, insert = UNTITLED_FILE + ext, ""
        for name in numbered(base, insert):
            path = f"{norm}/{name}" if norm else name
            _, os_path = self._path(path, write=True)
            try:
                if kind == "directory":
                    os.mkdir(os_path)
                elif kind == "notebook":
                    self._save_notebook(path, os_path, document.new_notebook(), exclusive=True)
                else:
                    atomic_write(os_path, b"", exclusive=True)
            except FileExistsError:
                continue
            except PermissionError:
                raise Forbidden(f"Permission denied: {norm}") from None
            return self.get(path, content=False)
        raise AssertionError("unreachable")

    def _require_dir(self, norm: str, os_path: Path) -> None:
        if os_path.is_file():
            raise BadRequest("Cannot POST to files, use PUT instead.")
        if not os_path.is_dir():
            raise NoSuchFile(norm)

    def copy(self, from_path: str, to_dir: str) -> Model:
        """Copy a file (or folder) into ``to_dir`` as ``name-CopyN.ext``."""
        src_norm, src = self._path(from_path, write=True)
        dst_norm, dst_dir = self._path(to_dir, write=True)
        self._require_dir(dst_norm, dst_dir)
        s = self._stat(src_norm, src)
        from_name = src.name
        name = _COPY_PAT.sub(".", from_name)
        for candidate in numbered(name, "-Copy"):
            path = f"{dst_norm}/{candidate}" if dst_norm else candidate
            _, dst = self._path(path, write=True)
            try:
                if st.S_ISDIR(s.st_mode):
                    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=False)
                else:
                    atomic_copy(src, dst, exclusive=True)
            except FileExistsError:
                continue
            except PermissionError:
                raise Forbidden(f"Permission denied: {path}") from None
            if candidate.endswith(".ipynb") and not st.S_ISDIR(s.st_mode):
                with contextlib.suppress(OSError):
                    checkpoints.create(dst)
            return self.get(path, content=False)
        raise AssertionError("unreachable")

    def rename(self, old_path: str, new_path: str) -> Model:
        """Move a file or folder; 409 if the target exists. Its checkpoint moves along."""
        if not isinstance(new_path, str) or not new_path.strip("/"):
            raise BadRequest("The new path is missing")
        old_norm, old = self._path(old_path, write=True)
        new_norm, new = self._path(new_path, write=True)
        if not old_norm:
            raise BadRequest("Cannot rename the root directory")
        if not os.path.lexists(old):
            raise NoSuchFile(old_norm)
        if new_norm == old_norm:
            return self.get(new_norm, content=False)
        if os.path.lexists(new) and not samefile(old, new):
            raise FileExists(new_norm)
        self._check_parent(new_norm, new)
        if old.is_dir() and paths.is_inside(str(new), str(old)):
            raise BadRequest(f"Cannot move {old_norm!r} into itself")
        try:
            os.rename(old, new)
        except PermissionError:
            raise Forbidden(f"Permission denied: {old_norm}") from None
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise
            shutil.move(old, new)
        if not new.is_dir():
            with contextlib.suppress(OSError):
                checkpoints.move(old, new)
        return self.get(new_norm, content=False)

    def delete(self, api_path: str) -> None:
        """Delete a file (and its checkpoint) or a folder with everything in it."""
        norm, os_path = self._path(api_path, write=True)
        if not norm:
            raise BadRequest("Cannot delete the root directory")
        if not os.path.lexists(os_path):
            raise NoSuchFile(norm)
        try:
            if os_path.is_dir() and not os_path.is_symlink():
                shutil.rmtree(os_path)
            else:
                os.unlink(os_path)
                checkpoints.delete_all(os_path)
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None

    # -- checkpoints -------------------------------------------------------------------------------------------

    def list_checkpoints(self, api_path: str) -> list[Model]:
        norm, os_path = self._path(api_path)
        s = checkpoints.stat(os_path)
        return [] if s is None else [{"id": checkpoints.CHECKPOINT_ID, "last_modified": iso(s.st_mtime_ns)}]

    def create_checkpoint(self, api_path: str) -> Model:
        norm, os_path = self._path(api_path, write=True)
        s = self._stat(norm, os_path)
        if not st.S_ISREG(s.st_mode):
            raise BadRequest(f"Cannot checkpoint {norm!r}: not a file")
        try:
            cs = checkpoints.create(os_path)
        except PermissionError:
            raise Forbidden(f"Permission denied: {norm}") from None
        return {"id": checkpoints.CHECKPOINT_ID, "last_modified": iso(cs.st_mtime_ns)}

    def restore_checkpoint(self, api_path: str, checkpoint_id: str) -> None:
        norm, os_path = self._path(api_path, write=True)
        if not checkpoints.restore(os_path, checkpoint_id):
            raise NoSuchCheckpoint(norm, checkpoint_id)

    def delete_checkpoint(self, api_path: str, checkpoint_id: str) -> None:
        norm, os_path = self._path(api_path, write=True)
        if not checkpoints.delete(os_path, checkpoint_id):
            raise NoSuchCheckpoint(norm, checkpoint_id)

    # -- raw files ---------------------------------------------------------------------------------------------

    def file_for_download(self, api_path: str) -> tuple[str, Path, os.stat_result]:
        """(api path, os path, stat) of a regular file that may be served raw by /files."""
        norm, os_path = self._path(api_path)
        s = self._stat(norm, os_path)
        if not st.S_ISREG(s.st_mode):
            raise NoSuchFile(norm)
        if not os.access(os_path, os.R_OK):
            raise Forbidden(f"Permission denied: {norm}")
        return norm, os_path, s
