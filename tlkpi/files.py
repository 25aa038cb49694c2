"""Files written whole or not at all: the one way the project replaces a file that others may read."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path


def temporary_beside(target: Path) -> Path:
    """A hidden, unique name in the target's folder (short: the target's own name may be long); hidden
    names are never taken from an inbox nor listed by the portal."""
    return target.with_name(f".{uuid.uuid4().hex}.part")


def write_atomically(target: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write `data` (text as UTF-8) to a temporary file beside `target`, then rename it over `target`:
    a reader sees the old file or the new one, never half of it. `mode` restricts the file before it
    appears. On an error the temporary file is removed and the error raised."""
    temporary = temporary_beside(target)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        try:
            temporary.write_bytes(payload)
        except FileNotFoundError:  # the folder is made only when missing: a mkdir per write cost as much
            target.parent.mkdir(parents=True, exist_ok=True)  # as the write on a busy disk
            temporary.write_bytes(payload)
        if mode is not None:
            temporary.chmod(mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
