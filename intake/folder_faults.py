"""One establishment's folder that cannot be listed, emptied or written is that folder's problem.

A permission or I/O error on `inbox/<FINESS>/` (an immutable folder, a wrong owner, a failing disk) or
on its `outbox/<FINESS>/` is logged, kept in `<data root>/reception/faults.json` for `tlkpi status`
and the run's artifact, and the folder's files wait where they are: every other establishment loads.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from intake.reception import ledger_dir

FAULTS_FILE = "faults.json"
# errors of one folder or file; a full or read-only store (ENOSPC, EROFS) is the whole machine's
FOLDER_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EIO, errno.ENOTDIR, errno.ELOOP})
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FolderFault:
    """What could not be done in one establishment's folder, for operators (English)."""

    folder: str  # the folder under inbox/ (or outbox/), its name with control characters replaced
    operation: str  # list | claim | put back | receipt
    error: str  # e.g. "PermissionError [EPERM] Operation not permitted"
    at: str = ""


class FolderFaultError(Exception):
    """A folder fault met while taking a file: the caller skips the folder and goes on."""

    def __init__(self, fault: FolderFault) -> None:
        super().__init__(f"{fault.operation} in {fault.folder}: {fault.error}")
        self.fault = fault


def is_folder_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FOLDER_ERRNOS


def folder_of(relative: str | Path) -> str:
    """The establishment folder of an inbox path (`.` for a file straight in the inbox), shown safely."""
    parts = PurePosixPath(Path(relative).as_posix()).parts
    folder = parts[0] if len(parts) > 1 else "."
    return "".join("?" if not character.isprintable() else character for character in folder)


def fault(relative: str | Path, operation: str, exc: OSError) -> FolderFault:
    """The fault, logged for the operator: which folder, what failed, never a file's content."""
    code = errno.errorcode.get(exc.errno or 0, "?")
    found = FolderFault(
        folder_of(relative),
        operation,
        f"{type(exc).__name__} [{code}] {exc.strerror or exc}",
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    logger.error(
        "Folder %s: cannot %s (%s); its files wait, the other folders go on",
        found.folder,
        operation,
        found.error,
    )
    return found


def save_faults(inbox: Path, faults: list[FolderFault], *, replace: bool) -> None:
    """Keep the faults for `tlkpi status` and the run's artifact: `replace` with a new look at the inbox,
    else added to those of the same run. Never fails the run (the faults are also in its log)."""
    path = ledger_dir(inbox) / FAULTS_FILE
    kept = [] if replace else read_faults(inbox)
    known = {(f.folder, f.operation) for f in faults}
    merged = [f for f in kept if (f.folder, f.operation) not in known] + faults
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{FAULTS_FILE}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps([asdict(f) for f in merged], ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)


def read_faults(inbox: Path) -> list[FolderFault]:
    """The folder faults of the last look at the inbox and the runs since."""
    try:
        return [
            FolderFault(**item)
            for item in json.loads((ledger_dir(inbox) / FAULTS_FILE).read_text(encoding="utf-8"))
        ]
    except (OSError, ValueError, TypeError):
        return []
