"""Papermill-compatible parameters: read values from the command line or files, translate them into a kernel's
language and inject them as a cell tagged ``injected-parameters`` right after the cell tagged ``parameters``.

The rendering matches papermill's translators character for character (without black formatting), so a notebook
parameterized for papermill runs unchanged and gives the same result.
"""

from __future__ import annotations

import ast
import copy
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from folio.errors import ParameterError

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def resolve_type(value: str) -> Any:
    """Type a ``-p NAME VALUE`` string the way papermill's CLI does: True/False/None, int, float, else str."""
    if value == "True":
        return True
    if value == "False":
        return False
    if value == "None":
        return None
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def load_parameter_file(path: str | Path) -> dict[str, Any] | list[dict[str, Any]]:
    """A YAML or JSON file of parameters: a mapping (one set) or a list of mappings (several sets)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ParameterError(f"cannot read {path}: {e.strerror}") from e
    try:
        data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise ParameterError(f"{path} is not valid {'JSON' if p.suffix == '.json' else 'YAML'}: {e}") from e
    if data is None:
        return {}
    if isinstance(data, dict):
        return data
    if isinstance(data, list) and all(isinstance(x, dict) for x in data):
        return data
    raise ParameterError(f"{path} must hold a mapping of names to values, or a list of such mappings")


# -- translators: one class per language, overriding only what differs (papermill's shape)


class Translator:
    comment_prefix = "#"

    @classmethod
    def translate(cls, val: Any) -> str:
        if val is None:
            return cls.none()
        if isinstance(val, str):
            return cls.string(val)
        if isinstance(val, bool):  # before int: bool is an int
            return cls.boolean(val)
        if isinstance(val, int):
            return cls.integer(val)
        if isinstance(val, float):
            return cls.floating(val)
        if isinstance(val, dict):
            return cls.mapping(val)
        if isinstance(val, list | tuple):
            return cls.sequence(list(val))
        return cls.string(val)  # dates and other YAML scalars: as their text, like papermill

    @classmethod
    def string(cls, val: Any) -> str:
        if isinstance(val, str):
            val = val.encode("unicode_escape").decode("utf-8").replace('"', r"\"")
        return f'"{val}"'

    @classmethod
    def none(cls) -> str:
        return "None"

    @classmethod
    def integer(cls, val: int) -> str:
        return str(val)

    @classmethod
    def floating(cls, val: float) -> str:
        return str(val)

    @classmethod
    def boolean(cls, val: bool) -> str:
        return "true" if val else "false"

    @classmethod
    def mapping(cls, val: dict[Any, Any]) -> str:
        raise ParameterError(f"dict parameters are not supported for {cls.__name__}")

    @classmethod
    def sequence(cls, val: list[Any]) -> str:
        raise ParameterError(f"list parameters are not supported for {cls.__name__}")

    @classmethod
    def assign(cls, name: str, value: str) -> str:
        return f"{name} = {value}"

    @classmethod
    def codify(cls, parameters: Mapping[str, Any], comment: str = "Parameters") -> str:
        lines = [f"{cls.comment_prefix} {comment}".strip()]
        lines += [cls.assign(name, cls.translate(val)) for name, val in parameters.items()]
        return "\n".join(lines) + "\n"


class PythonTranslator(Translator):
    @classmethod
    def floating(cls, val: float) -> str:
        if math.isfinite(val):
            return str(val)
        if math.isnan(val):
            return "float('nan')"
        return "float('-inf')" if val < 0 else "float('inf')"

    @classmethod
    def boolean(cls, val: bool) -> str:
        return str(val)

    @classmethod
    def mapping(cls, val: dict[Any, Any]) -> str:
        return "{" + ", ".join(f"{cls.string(k)}: {cls.translate(v)}" for k, v in val.items()) + "}"

    @classmethod
    def sequence(cls, val: list[Any]) -> str:
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"


class RTranslator(Translator):
    @classmethod
    def none(cls) -> str:
        return "NULL"

    @classmethod
    def boolean(cls, val: bool) -> str:
        return "TRUE" if val else "FALSE"

    @classmethod
    def mapping(cls, val: dict[Any, Any]) -> str:
        return "list(" + ", ".join(f"{cls.string(k)} = {cls.translate(v)}" for k, v in val.items()) + ")"

    @classmethod
    def sequence(cls, val: list[Any]) -> str:
        return "list(" + ", ".join(cls.translate(v) for v in val) + ")"

    @classmethod
    def assign(cls, name: str, value: str) -> str:
        return f"{name.lstrip('_')} = {value}"  # a leading '_' is not a legal R name; papermill drops it too


class JuliaTranslator(Translator):
    @classmethod
    def none(cls) -> str:
        return "nothing"

    @classmethod
    def mapping(cls, val: dict[Any, Any]) -> str:
        return "Dict(" + ", ".join(f"{cls.string(k)} => {cls.translate(v)}" for k, v in val.items()) + ")"

    @classmethod
    def sequence(cls, val: list[Any]) -> str:
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"


class ScalaTranslator(Translator):
    comment_prefix = "//"

    @classmethod
    def integer(cls, val: int) -> str:
        return f"{val}L" if not -(2**31) <= val <= 2**31 - 1 else str(val)

    @classmethod
    def mapping(cls, val: dict[Any, Any]) -> str:
        return "Map(" + ", ".join(f"{cls.string(k)} -> {cls.translate(v)}" for k, v in val.items()) + ")"

    @classmethod
    def sequence(cls, val: list[Any]) -> str:
        return "Seq(" + ", ".join(cls.translate(v) for v in val) + ")"

    @classmethod
    def assign(cls, name: str, value: str) -> str:
        return f"val {name} = {value}"


TRANSLATORS: dict[str, type[Translator]] = {
    "python": PythonTranslator,
    "pysparkkernel": PythonTranslator,
    "r": RTranslator,
    "ir": RTranslator,
    "sparkrkernel": RTranslator,
    "julia": JuliaTranslator,
    "scala": ScalaTranslator,
    "sparkkernel": ScalaTranslator,
}


def translator_for(kernel_name: str | None, language: str | None) -> type[Translator]:
    """Kernel name first, then language (papermill's order); julia kernels are named like ``julia-1.10``."""
    for key in (kernel_name, language):
        if not key:
            continue
        k = key.lower()
        if k in TRANSLATORS:
            return TRANSLATORS[k]
        if k.startswith("julia"):
            return JuliaTranslator
        if k.startswith("python"):
            return PythonTranslator
    raise ParameterError(f"no parameter translator for kernel {kernel_name!r} (language {language!r})")


def notebook_language(nb: nbformat.NotebookNode) -> tuple[str | None, str | None]:
    """(kernel name, language) as the notebook's metadata states them."""
    md = nb.get("metadata", {})
    ks = md.get("kernelspec", {}) or {}
    li = md.get("language_info", {}) or {}
    return ks.get("name"), ks.get("language") or li.get("name")


def find_tagged(nb: nbformat.NotebookNode, tag: str) -> int:
    for i, cell in enumerate(nb.cells):
        if tag in cell.get("metadata", {}).get("tags", []):
            return i
    return -1


def parameterize(
    nb: nbformat.NotebookNode,
    parameters: Mapping[str, Any],
    *,
    kernel_name: str | None = None,
    language: str | None = None,
    comment: str = "Parameters",
    report_mode: bool = False,
) -> nbformat.NotebookNode:
    """A copy of ``nb`` with the injected-parameters cell placed as papermill places it (replacing an old one)."""
    nb = copy.deepcopy(nb)
    nb_kernel, nb_language = notebook_language(nb)
    translator = translator_for(kernel_name or nb_kernel, language or nb_language)
    cell = nbformat.v4.new_code_cell(source=translator.codify(parameters, comment))
    cell.metadata["tags"] = [INJECTED_TAG]
    if report_mode:
        cell.metadata["jupyter"] = {"source_hidden": True}
    injected = find_tagged(nb, INJECTED_TAG)
    tagged = find_tagged(nb, PARAMETERS_TAG)
    if injected >= 0:
        nb.cells[injected] = cell
    elif tagged >= 0:
        nb.cells.insert(tagged + 1, cell)
    else:
        nb.cells.insert(0, cell)
    return nb


def merge_parameter_sets(
    files: Iterable[dict[str, Any] | list[dict[str, Any]]], overrides: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Combine ``-f`` files and ``-p`` values: mappings merge in order; a list multiplies into several sets."""
    sets: list[dict[str, Any]] = [{}]
    for data in files:
        if isinstance(data, list):
            sets = [{**s, **d} for s in sets for d in data]
        else:
            sets = [{**s, **data} for s in sets]
    return [{**s, **overrides} for s in sets]


# -- introspection (papermill's --help-notebook)


@dataclass
class ParameterInfo:
    name: str
    default: str
    type: str | None
    help: str


_ASSIGN = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?::\s*([^=]+?))?\s*(?:=|<-)\s*(.+?)\s*(?:#\s*(.*))?$")


def inspect_parameters(nb: nbformat.NotebookNode) -> list[ParameterInfo]:
    """Names, defaults, declared types and help comments of the cell tagged ``parameters``.

    Python cells are parsed with ``ast`` (multi-line defaults work); other languages by a line pattern
    (``name = value  # help`` or ``name <- value``)."""
    i = find_tagged(nb, PARAMETERS_TAG)
    if i < 0:
        return []
    src = nb.cells[i].source
    _, language = notebook_language(nb)
    if (language or "python").lower().startswith("python"):
        try:
            return _inspect_python(src)
        except SyntaxError:
            pass
    out = []
    for line in src.splitlines():
        m = _ASSIGN.match(line)
        if m:
            out.append(ParameterInfo(m.group(1), m.group(3), (m.group(2) or "").strip() or None,
                                     (m.group(4) or "").strip()))
    return out


def _inspect_python(src: str) -> list[ParameterInfo]:
    tree = ast.parse(src)
    lines = src.splitlines()
    out = []
    for node in tree.body:
        target, annotation = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, annotation = node.target.id, ast.get_source_segment(src, node.annotation)
        if target is None:
            continue
        value = node.value
        default = ast.get_source_segment(src, value) if value is not None else ""
        rest = lines[(node.end_lineno or node.lineno) - 1][(node.end_col_offset or 0):]
        comment = rest.split("#", 1)[1].strip() if "#" in rest else ""
        if annotation is None and isinstance(value, ast.Constant):
            annotation = type(value.value).__name__ if value.value is not None else "None"
        out.append(ParameterInfo(target, default or "", annotation, comment))
    return out
