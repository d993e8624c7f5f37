"""Token authentication and signed login cookies (the single-user identity model of jupyter_server)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from folio.secret_file import load_or_create_secret

COOKIE_MAX_AGE = 30 * 24 * 3600


def _load_secret(path: Path | None) -> bytes:
    """A cookie secret that survives restarts, so a browser stays logged in across a server restart."""
    if path is None:
        from jupyter_core.paths import jupyter_runtime_dir

        path = Path(jupyter_runtime_dir()) / "folio_cookie_secret"
    try:
        return load_or_create_secret(path)
    except OSError:  # an unwritable runtime dir only costs re-login after a restart
        return secrets.token_bytes(32)


@dataclass
class Identity:
    username: str
    name: str = "folio user"
    display_name: str = "folio user"
    initials: str = "FU"
    avatar_url: str | None = None
    color: str | None = None

    def model(self) -> dict[str, str | None]:
        return {
            "username": self.username,
            "name": self.name,
            "display_name": self.display_name,
            "initials": self.initials,
            "avatar_url": self.avatar_url,
            "color": self.color,
        }


@dataclass
class TokenAuth:
    """Checks tokens and issues/verifies the login cookie. ``token == ''`` means auth is off."""

    token: str
    secret: bytes
    user: Identity = field(default_factory=lambda: Identity(username="folio"))

    @classmethod
    def from_settings(cls, token: str | None, secret_file: Path | None) -> TokenAuth:
        return cls(token=secrets.token_hex(24) if token is None else token, secret=_load_secret(secret_file))

    @property
    def enabled(self) -> bool:
        return self.token != ""

    def check_token(self, candidate: str | None) -> bool:
        if not self.enabled:
            return True
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())

    def _mac(self, payload: str) -> str:
        # The token is part of the key: changing the token logs every cookie out.
        key = self.secret + self.token.encode()
        return base64.urlsafe_b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).decode().rstrip("=")

    def make_cookie(self, now: float | None = None) -> str:
        payload = f"{self.user.username}|{int(now or time.time())}"
        return f"{payload}|{self._mac(payload)}"

    def check_cookie(self, value: str | None, now: float | None = None) -> bool:
        if not value:
            return False
        try:
            user, ts, mac = value.rsplit("|", 2)
            issued = int(ts)
        except ValueError:
            return False
        if not hmac.compare_digest(mac, self._mac(f"{user}|{ts}")):
            return False
        return (now or time.time()) - issued < COOKIE_MAX_AGE


def new_xsrf_token() -> str:
    return secrets.token_urlsafe(24)
