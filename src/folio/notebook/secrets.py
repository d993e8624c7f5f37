"""Find secrets in notebooks (cell sources and outputs) and plain files.

Detection is detect-secrets' plugins and false-positive filters (cloud keys, private keys, tokens, basic-auth
URLs, keyword assignments, high-entropy strings), plus a few detectors it lacks. Notebook awareness is ours:
each cell's source and each text output is scanned as its own text with cell and line positions, base64
images and other binary MIME types are skipped, and a JSON line in the file is found for SARIF consumers.

Allowlisting: an inline ``pragma: allowlist secret`` comment (detect-secrets' syntax) on the line or the line
before; a cell tagged ``allowlist-secret`` (its source and outputs); or a baseline file of hashed secrets
(detect-secrets' baseline format is accepted as is).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ALLOW_TAG = "allowlist-secret"
_PRAGMA = re.compile(r"pragma:\s*allowlist[ -]secret")
_NEXTLINE_PRAGMA = re.compile(r"pragma:\s*allowlist[ -]nextline[ -]secret")
TEXT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json", "application/javascript",
             "text/x-python", "application/x-python", "text/csv")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".ipynb_checkpoints", ".venv", "venv", ".tox",
             ".mypy_cache", ".pytest_cache", ".ruff_cache"}
MAX_FILE_BYTES = 20 * 1024 * 1024

# Detectors detect-secrets 1.5 lacks; each (kind, regex with one group: the secret).
_EXTRA: list[tuple[str, re.Pattern[str]]] = [
    ("Google API Key", re.compile(r"\b(AIza[0-9A-Za-z_\-]{35})\b")),
    ("Hugging Face Token", re.compile(r"\b(hf_[A-Za-z0-9]{30,})\b")),
    ("Anthropic API Key", re.compile(r"\b(sk-ant-[A-Za-z0-9_\-]{20,})")),
    ("Password in URL", re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s:/@'\"]+:([^\s@/'\"]{3,})@[\w.\-]+", re.I)),
    ("Password in connection string", re.compile(r"(?i)\b(?:password|pwd)\s*=\s*([^;'\"\s]{4,})\s*(?:;|$)")),
]


@dataclass
class Finding:
    path: str
    kind: str
    line: int  # 1-based, within the cell's source or output text, or within the file
    cell: int | None  # 1-based cell number, None for a plain file
    part: str  # "source", "output N", or "file"
    snippet: str  # the line, with the secret redacted
    hashed_secret: str  # sha1 hex, as detect-secrets' baselines store it
    file_line: int | None = None  # line in the file itself (for SARIF and editors)

    def location(self) -> str:
        if self.cell is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}: cell {self.cell}, {self.part}, line {self.line}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hash_secret(secret: str) -> str:
    return hashlib.sha1(secret.encode("utf-8")).hexdigest()  # noqa: S324 - detect-secrets' baseline format


def redact(line: str, secret: str, width: int = 60) -> str:
    """The line with the secret masked, cut to ``width`` characters either side of it (minified files have
    very long lines)."""
    shown = secret[:4] if len(secret) > 12 else secret[:1]
    masked_secret = shown + "*" * 8
    at = line.find(secret)
    if at < 0:
        return line.strip()[: 2 * width]
    before, after = line[:at], line[at + len(secret):]
    before = ("…" + before[-width:]) if len(before) > width else before
    after = (after[:width] + "…") if len(after) > width else after
    return (before + masked_secret + after).strip()


# -- detection over lines


class _Detector:
    """detect-secrets' plugins and filters, configured once per scan (its settings are process-global)."""

    def __enter__(self) -> _Detector:
        from detect_secrets.settings import default_settings

        self._ctx = default_settings()
        settings = self._ctx.__enter__()
        # Our "files" are cells and outputs, not paths on disk; and never call out to verify a secret.
        settings.disable_filters("detect_secrets.filters.common.is_invalid_file",
                                 "detect_secrets.filters.heuristic.is_non_text_file")
        from detect_secrets.settings import get_filters

        get_filters.cache_clear()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)

    def scan_lines(self, lines: list[str], pseudo_name: str) -> Iterator[tuple[int, str, str]]:
        """(line number 1-based, kind, secret) for each finding in ``lines``."""
        from detect_secrets.core.scan import _process_line_based_plugins

        numbered = list(enumerate(lines, start=1))
        seen: set[tuple[int, str]] = set()
        for s in _process_line_based_plugins(numbered, pseudo_name):
            if s.secret_value is None:
                continue
            secret = _expand(s.secret_value, lines[s.line_number - 1])
            if _inside_data_uri(lines[s.line_number - 1], secret):
                continue
            key = (s.line_number, secret)
            if key not in seen:
                seen.add(key)
                yield s.line_number, s.type, secret
        for n, line in numbered:
            if _PRAGMA.search(line) or (n > 1 and _NEXTLINE_PRAGMA.search(lines[n - 2])):
                continue
            for kind, rx in _EXTRA:
                for m in rx.finditer(line):
                    secret = m.group(1)
                    if (n, secret) in seen or any(secret in s or s in secret for (ln, s) in seen if ln == n):
                        continue
                    seen.add((n, secret))
                    yield n, kind, secret


_DATA_URI = re.compile(r"data:[\w/+.\-]+;base64,[A-Za-z0-9+/=]+")


def _inside_data_uri(line: str, secret: str) -> bool:
    """Embedded images and fonts (``<img src="data:image/png;base64,...">`` in HTML outputs, CSS) are
    random-looking by nature; a match inside one is noise."""
    if "base64," not in line:
        return False
    at = line.find(secret)
    return any(m.start() <= at < m.end() for m in _DATA_URI.finditer(line))


def _expand(secret: str, line: str) -> str:
    """Some plugins report only a regex group (GitHub tokens report 'ghp'); widen it to the whole token, so the
    redaction and the baseline hash are about this secret, not every token with that prefix."""
    if len(secret) >= 12:
        return secret
    m = re.search(re.escape(secret) + r"[A-Za-z0-9_\-]*", line)
    return m.group(0) if m else secret


# -- notebooks


def _output_texts(output: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(label, text) for each textual part of one output; images and binary data are skipped."""
    ot = output.get("output_type")
    if ot == "stream":
        yield output.get("name", "stream"), _join(output.get("text", ""))
    elif ot == "error":
        yield "error", "\n".join(_strip_ansi(t) for t in output.get("traceback", [])) + "\n" + output.get("evalue", "")
    elif ot in ("execute_result", "display_data", "update_display_data"):
        for mime, value in (output.get("data") or {}).items():
            base = mime.split(";")[0]
            if base in TEXT_MIME or base.endswith("+json") or (base.startswith("text/") and base != "text/uri-list"):
                text = json.dumps(value, indent=1) if not isinstance(value, str | list) else _join(value)
                yield mime, text


def _join(v: Any) -> str:
    return "".join(v) if isinstance(v, list) else str(v)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strip_ansi(s: str) -> str:
    return _ANSI.sub("", s)


_LANG_EXT = {"python": ".py", "r": ".r", "julia": ".jl", "scala": ".scala", "javascript": ".js", "bash": ".sh"}


def scan_notebook(nb: dict[str, Any], path: str, detector: _Detector, raw_text: str | None = None) -> list[Finding]:
    lang = ((nb.get("metadata") or {}).get("language_info") or {}).get("name") or "python"
    code_ext = _LANG_EXT.get(str(lang).lower(), ".txt")
    findings: list[Finding] = []
    for ci, cell in enumerate(nb.get("cells", []), start=1):
        tags = (cell.get("metadata") or {}).get("tags", [])
        if ALLOW_TAG in tags:
            continue
        src = _join(cell.get("source", ""))
        ext = code_ext if cell.get("cell_type") == "code" else ".md"
        lines = src.splitlines()
        for n, kind, secret in detector.scan_lines(lines, f"{path}#cell{ci}{ext}"):
            findings.append(Finding(path, kind, n, ci, "source", redact(lines[n - 1], secret), hash_secret(secret)))
            findings[-1]._secret = secret  # type: ignore[attr-defined]
        for oi, out in enumerate(cell.get("outputs", []) or [], start=1):
            for label, text in _output_texts(out):
                olines = text.splitlines()
                for n, kind, secret in detector.scan_lines(olines, f"{path}#cell{ci}-out{oi}.txt"):
                    f = Finding(path, kind, n, ci, f"output {oi} ({label})", redact(olines[n - 1], secret),
                                hash_secret(secret))
                    f._secret = secret  # type: ignore[attr-defined]
                    findings.append(f)
    if raw_text is not None:
        _map_file_lines(findings, raw_text)
    return findings


def _map_file_lines(findings: list[Finding], raw_text: str) -> None:
    """Find the JSON line holding each secret (the nth occurrence for the nth finding of the same secret)."""
    raw_lines = raw_text.splitlines()
    used: dict[str, int] = {}
    for f in findings:
        secret = getattr(f, "_secret", None)
        if not secret:
            continue
        needle = json.dumps(secret)[1:-1]
        start = used.get(needle, 0)
        for i in range(start, len(raw_lines)):
            if needle in raw_lines[i] or secret in raw_lines[i]:
                f.file_line = i + 1
                used[needle] = i + 1
                break


def scan_text_file(text: str, path: str, detector: _Detector) -> list[Finding]:
    lines = text.splitlines()
    out = []
    for n, kind, secret in detector.scan_lines(lines, path):
        out.append(Finding(path, kind, n, None, "file", redact(lines[n - 1], secret), hash_secret(secret), n))
    return out


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for p in map(Path, paths):
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                for name in sorted(files):
                    yield Path(root) / name
        else:
            yield p


def scan_paths(paths: Iterable[str | Path]) -> tuple[list[Finding], list[str]]:
    """Scan files and folders; returns findings and per-file problems (unreadable files)."""
    findings: list[Finding] = []
    problems: list[str] = []
    with _Detector() as det:
        for f in iter_files(paths):
            try:
                if f.stat().st_size > MAX_FILE_BYTES:
                    continue
                data = f.read_bytes()
            except OSError as e:
                problems.append(f"{f}: {e.strerror}")
                continue
            if b"\0" in data[:8192]:
                continue  # binary
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            if f.suffix == ".ipynb":
                try:
                    nb = json.loads(text)
                    if not isinstance(nb, dict) or "cells" not in nb:
                        raise ValueError("not a notebook")
                except ValueError:
                    findings += scan_text_file(text, str(f), det)
                    continue
                findings += scan_notebook(nb, str(f), det, text)
            else:
                findings += scan_text_file(text, str(f), det)
    return findings, problems


# -- baselines


def load_baseline(path: str | Path) -> set[str]:
    """Hashed secrets accepted by a baseline (folio's or detect-secrets' format: ``results[file][i].hashed_secret``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    hashes: set[str] = set()
    for entries in (data.get("results") or {}).values():
        for e in entries:
            if e.get("is_secret") is not True and e.get("hashed_secret"):
                hashes.add(e["hashed_secret"])
    return hashes


def baseline_document(findings: list[Finding]) -> dict[str, Any]:
    results: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        entry: dict[str, Any] = {"type": f.kind, "filename": f.path, "hashed_secret": f.hashed_secret,
                                 "is_verified": False, "line_number": f.file_line or f.line}
        if f.cell is not None:
            entry["cell"] = f.cell
        results.setdefault(f.path, []).append(entry)
    return {"version": "1.5.0", "generated_by": "folio scan",
            "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "plugins_used": [],
            "filters_used": [], "results": results}


# -- report formats


def to_sarif(findings: list[Finding]) -> dict[str, Any]:
    kinds = sorted({f.kind for f in findings})
    rules = [{"id": _rule_id(k), "name": k, "shortDescription": {"text": f"Possible secret: {k}"}} for k in kinds]
    results = []
    for f in findings:
        region: dict[str, Any] = {"startLine": f.file_line or f.line}
        results.append({
            "ruleId": _rule_id(f.kind),
            "level": "error",
            "message": {"text": f"{f.kind} in {f.location()}: {f.snippet}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": Path(f.path).as_posix()},
                                                "region": region}}],
            "partialFingerprints": {"hashedSecret": f.hashed_secret},
            "properties": {"cell": f.cell, "part": f.part, "cellLine": f.line},
        })
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{"tool": {"driver": {"name": "folio scan",
                                      "rules": rules}}, "results": results}],
    }


def _rule_id(kind: str) -> str:
    return "secret/" + re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-")
