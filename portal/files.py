"""Reading an establishment's own files from its outbox folder, and nothing else.

Establishments may write to their outbox (SFTP, a shared folder): a symbolic link placed there must
never make the portal serve what it points to (the signing key, the access hashes, another
establishment's report). A file is served only when, opened without following a link, it is a regular
file whose real folder lies inside the establishment's real outbox folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_SERVED_BYTES = 32 * 1024 * 1024  # receipts and reports are small; anything bigger is not one of them


def read_own_file(own_folder: Path, relative: str) -> bytes | None:
    """The bytes of `own_folder/relative`, or None when it is absent, a link, not a regular file, or
    resolves outside `own_folder`."""
    try:
        root = own_folder.resolve(strict=True)
        candidate = own_folder / relative
        parent = candidate.parent.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if parent != root and root not in parent.parents:
        return None
    if own_folder.is_symlink():  # the establishment's folder itself replaced by a link
        return None
    try:
        handle = os.open(parent / candidate.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # ELOOP: the name is a link; ENOENT; ENXIO: a socket
        return None
    with os.fdopen(handle, "rb") as opened:
        status = os.fstat(opened.fileno())
        if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_SERVED_BYTES:
            return None
        return opened.read(MAX_SERVED_BYTES + 1)[:MAX_SERVED_BYTES]
