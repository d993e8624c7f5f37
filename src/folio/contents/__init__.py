"""Storage of files and notebooks on the local filesystem.

- ``paths``: the one resolver from API paths to filesystem paths (refuses escapes from the root).
- ``atomic``: temp file in the same folder, fsync, rename; never truncate in place.
- ``checkpoints``: jupyter_server-compatible single checkpoints in ``.ipynb_checkpoints/``.
- ``models``: the pieces of Jupyter contents models (timestamps, mimetypes, names, hashes).
- ``local``: ``LocalContents``, the store the server and the kernels layer call.
- ``trust``: the persistent record of trusted notebook digests.
"""

from folio.contents.local import LocalContents

__all__ = ["LocalContents"]
