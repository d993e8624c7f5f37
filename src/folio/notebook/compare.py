"""Compare a cell's stored outputs with fresh ones (nbval's job): sanitize volatile text, then diff.

Pure functions; ``folio.execution.nbtest`` runs the cells and calls these.
"""

from __future__ import annotations

import configparser
import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Cell markers: tags, or nbval's comments on the cell's first lines.
SKIP = ("folio-skip", "nbval-skip", "NBVAL_SKIP")
IGNORE_OUTPUT = ("folio-ignore-output", "nbval-ignore-output", "NBVAL_IGNORE_OUTPUT")
LOOSE = ("folio-loose", "NBVAL_LOOSE")
CHECK_OUTPUT = ("folio-check-output", "nbval-check-output", "NBVAL_CHECK_OUTPUT")
RAISES = ("raises-exception", "nbval-raises-exception", "NBVAL_RAISES_EXCEPTION")


@dataclass(frozen=True)
class Sanitizer:
    regex: str
    replace: str

    def apply(self, text: str) -> str:
        return re.sub(self.regex, self.replace, text)


DEFAULT_SANITIZERS: tuple[Sanitizer, ...] = (
    Sanitizer(r"0x[0-9a-fA-F]{6,16}", "0xADDRESS"),  # object reprs
    Sanitizer(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?", "TIMESTAMP"),
    Sanitizer(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d "
              r"\d{2}:\d{2}:\d{2} \d{4}\b", "TIMESTAMP"),  # time.ctime()
    Sanitizer(r"(?:/tmp|/var/folders|/private/var/folders)/[^\s'\"]+", "TMPPATH"),
    Sanitizer(r"(?:/home|/Users)/[^/\s'\"]+", "~"),
    Sanitizer(r"[A-Za-z]:\\Users\\[^\\\s'\"]+", "~"),
    Sanitizer(r"<ipython-input-\d+-[0-9a-f]+>", "<ipython-input>"),
)
_LOOSE_NUMBER = Sanitizer(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", "<N>")
_WS = re.compile(r"[ \t]+")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def load_sanitizers(path: str | Path) -> list[Sanitizer]:
    """Sanitizers from nbval's INI format (``[section] regex: ... replace: ...``) or TOML
    (``[[sanitize]] regex = ... replace = ...``, also under ``[tool.folio.test]`` in pyproject.toml)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix == ".toml":
        data = tomllib.loads(text)
        table = data.get("tool", {}).get("folio", {}).get("test", data)
        return [Sanitizer(s["regex"], s.get("replace", "")) for s in table.get("sanitize", [])]
    cp = configparser.ConfigParser(interpolation=None)
    cp.read_string(text)
    return [Sanitizer(cp[s]["regex"], cp[s].get("replace", "")) for s in cp.sections() if "regex" in cp[s]]


def project_sanitizers(start: Path) -> list[Sanitizer]:
    """``[tool.folio.test] sanitize`` from the nearest pyproject.toml at or above ``start``."""
    for d in [start, *start.parents]:
        f = d / "pyproject.toml"
        if f.is_file():
            try:
                data = tomllib.loads(f.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                return []
            table = data.get("tool", {}).get("folio", {}).get("test", {})
            return [Sanitizer(s["regex"], s.get("replace", "")) for s in table.get("sanitize", [])]
    return []


def _src(cell: dict[str, Any]) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def has_marker(cell: dict[str, Any], markers: tuple[str, ...]) -> bool:
    tags = (cell.get("metadata") or {}).get("tags", [])
    if any(m in tags for m in markers):
        return True
    head = [ln.strip() for ln in _src(cell).splitlines()[:3]]
    return any(ln.startswith("#") and any(m in ln for m in markers) for ln in head)


@dataclass
class CompareOptions:
    sanitizers: list[Sanitizer] = field(default_factory=lambda: list(DEFAULT_SANITIZERS))
    check_stderr: bool = False
    compare_images: bool = False


def _text(v: Any) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


def comparable_lines(outputs: list[dict[str, Any]], opts: CompareOptions, loose: bool = False) -> list[str]:
    """Outputs rendered as sanitized lines; consecutive streams of one name are joined, as a kernel may split
    them differently from run to run."""
    merged: list[dict[str, Any]] = []
    for o in outputs:
        if o.get("output_type") == "stream":
            if o.get("name") == "stderr" and not opts.check_stderr:
                continue
            if merged and merged[-1].get("output_type") == "stream" and merged[-1].get("name") == o.get("name"):
                merged[-1] = {**merged[-1], "text": _text(merged[-1]["text"]) + _text(o.get("text", ""))}
                continue
        merged.append(o)
    lines: list[str] = []
    for o in merged:
        ot = o.get("output_type")
        if ot == "stream":
            lines.append(f"[{o.get('name')}]")
            lines += _clean(_text(o.get("text", "")), opts, loose).splitlines()
        elif ot == "error":
            lines.append(f"[error] {o.get('ename')}: {_clean(_text(o.get('evalue', '')), opts, loose)}")
        elif ot in ("execute_result", "display_data"):
            data = o.get("data") or {}
            lines.append(f"[{ot}]")
            if "text/plain" in data:
                lines += _clean(_text(data["text/plain"]), opts, loose).splitlines()
            else:
                for mime in sorted(data):
                    if mime.startswith("text/") or mime.endswith("json"):
                        lines.append(f"<{mime}>")
                        lines += _clean(_text(data[mime]), opts, loose).splitlines()
            for mime in sorted(data):
                if mime.startswith("image/") and opts.compare_images and not loose:
                    digest = hashlib.sha1(_text(data[mime]).encode()).hexdigest()[:12]  # noqa: S324 - fingerprint
                    lines.append(f"<{mime} sha1 {digest}>")
    return lines


def _clean(text: str, opts: CompareOptions, loose: bool) -> str:
    text = _ANSI.sub("", text)
    for s in opts.sanitizers:
        text = s.apply(text)
    if loose:
        text = _LOOSE_NUMBER.apply(text)
        text = "\n".join(_WS.sub(" ", ln).strip() for ln in text.splitlines() if ln.strip())
    return text


def compare_outputs(expected: list[dict[str, Any]], actual: list[dict[str, Any]], opts: CompareOptions,
                    loose: bool = False) -> list[str]:
    """Unified diff lines (expected -> actual); empty when they match after sanitizing."""
    a = comparable_lines(expected, opts, loose)
    b = comparable_lines(actual, opts, loose)
    if a == b:
        return []
    return list(difflib.unified_diff(a, b, "expected (stored)", "actual (this run)", lineterm="", n=2))
