"""Files written whole or not at all: the one way the project replaces a file that others may read."""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def in_folder(target: Path, create: Callable[[], T]) -> T:
    """`create()` an entry at `target`, making its folder first only when that fails for want of it: a
    mkdir before every file cost as much as the file itself on a busy disk."""
    try:
        return create()
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        return create()


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (made when missing) for the block: processes sharing the
    folder, on this machine or over a shared path, take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


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
        in_folder(target, lambda: temporary.write_bytes(payload))
        if mode is not None:
            temporary.chmod(mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
