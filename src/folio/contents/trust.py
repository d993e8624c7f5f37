"""A persistent record of trusted notebooks, in the spirit of nbformat's ``NotebookNotary``.

A notebook is trusted when the sha256 of its bytes on disk was signed: by saving it with every code
cell trusted (outputs the user produced), or by ``POST /api/contents/{path}/trust``. The record keeps
HMAC-SHA256 signatures of those digests (key: a secret file next to the database, mode 0600) in a small
SQLite file under Jupyter's data dir, so trust survives server restarts and a copied database row
cannot be forged for a different notebook without the secret. Same role as ``nbsignatures.db``.

``TrustStore`` behaves like the ``set[str]`` of digests that ``LocalContents`` keeps (``in``, ``add``,
``discard``), so it can replace that set directly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from pathlib import Path

from folio.secret_file import load_or_create_secret

MAX_ENTRIES = 65_535  # nbformat's NotebookNotary cache_size


def default_dir() -> Path:
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "folio"




class TrustStore:
    """Signed digests of trusted notebook contents, kept in SQLite (``:memory:`` when the dir is unwritable)."""

    def __init__(self, directory: Path | None = None) -> None:
        d = directory or default_dir()
        self._lock = threading.Lock()
        try:
            self.secret = load_or_create_secret(d / "trust_secret")
            self._db = sqlite3.connect(str(d / "trust.db"), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.Error):
            self.secret = secrets.token_bytes(32)
            self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute("CREATE TABLE IF NOT EXISTS trusted (signature TEXT PRIMARY KEY, last_seen REAL NOT NULL)")

    def _sign(self, digest: str) -> str:
        return hmac.new(self.secret, digest.encode("ascii"), hashlib.sha256).hexdigest()

    def __contains__(self, digest: object) -> bool:
        if not isinstance(digest, str):
            return False
        sig = self._sign(digest)
        with self._lock:
            row = self._db.execute("SELECT 1 FROM trusted WHERE signature = ?", (sig,)).fetchone()
            if row:
                self._db.execute("UPDATE trusted SET last_seen = ? WHERE signature = ?", (time.time(), sig))
        return row is not None

    def add(self, digest: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO trusted (signature, last_seen) VALUES (?, ?)", (self._sign(digest), time.time())
            )
            (n,) = self._db.execute("SELECT COUNT(*) FROM trusted").fetchone()
            if n > MAX_ENTRIES:
                # Forget the least recently seen quarter, as NotebookNotary culls its cache.
                self._db.execute(
                    "DELETE FROM trusted WHERE signature IN (SELECT signature FROM trusted ORDER BY last_seen LIMIT ?)",
                    (n - MAX_ENTRIES * 3 // 4,),
                )

    def discard(self, digest: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM trusted WHERE signature = ?", (self._sign(digest),))

    def close(self) -> None:
        self._db.close()
