"""Identity: tokens, login cookies, XSRF tokens."""

from folio.auth.tokens import Identity, TokenAuth, new_xsrf_token

__all__ = ["Identity", "TokenAuth", "new_xsrf_token"]
