"""Secrets kept in a file of their own (mode 0600), made on first use: cookie signing, trust records."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def load_or_create_secret(path: Path, nbytes: int = 32) -> bytes:
    """The secret in ``path``, or a new random one written there; OSError when it can be neither."""
    try:
        data = path.read_bytes()
        if len(data) >= nbytes:
            return data
    except OSError:
        pass
    secret = secrets.token_bytes(nbytes)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
    return secret
