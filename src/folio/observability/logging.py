"""Logging setup: JSON lines for machines, a short human format for terminals."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

#: Request-scoped fields (request id, user, path, kernel id) added to every log record.
log_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("folio_log_context", default=None)

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update(log_context.get() or {})
        out.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = {**(log_context.get() or {}), **{k: v for k, v in record.__dict__.items() if k not in _RESERVED}}
        tail = " ".join(f"{k}={v}" for k, v in extra.items())
        line = f"[{time.strftime('%H:%M:%S', time.localtime(record.created))} {record.levelname[0]} {record.name}] "
        line += record.getMessage() + (f"  {tail}" if tail else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(settings: Any) -> None:
    """Route every ``folio.*`` logger to stderr in the configured format."""
    fmt = settings.log_format
    if fmt == "auto":
        fmt = "human" if sys.stderr.isatty() else "json"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else HumanFormatter())
    root = logging.getLogger("folio")
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    root.propagate = False
