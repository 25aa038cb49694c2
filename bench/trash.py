"""Finished runs' folders are set aside, not deleted, until the bench ends.

On this machine's file system (ext4 without a journal) the kernel skips the inodes freed in the last
60-360 s whenever it allocates one, with a buffer lookup for each (`recently_deleted` in
`fs/ext4/ialloc.c`): a data root deleted just before a timed ingest made that ingest pay for the bench's
cleanup, about 1 s of system time on 400 files (bench/notes.md, 2'). A rename frees nothing.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

TRASH = Path(__file__).resolve().parent.parent / ".cache" / "bench" / "trash"


def set_aside(path: Path) -> None:
    """Move a finished run's folder into TRASH (same file system: a rename), when there is one."""
    if os.path.lexists(path):
        TRASH.mkdir(parents=True, exist_ok=True)
        os.rename(path, TRASH / uuid.uuid4().hex)


def empty_trash() -> None:
    """Delete what was set aside: when the bench ends, and when it starts (after an interrupted one)."""
    shutil.rmtree(TRASH, ignore_errors=True)
