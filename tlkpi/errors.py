"""One error hierarchy for the whole pipeline.

`SubmissionError` is bad data from an establishment: shown to people in French, never retried, never
a traceback. Everything else deriving from `PipelineError` is ours to fix and is raised loudly.
"""

from __future__ import annotations

import errno


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class SubmissionError(PipelineError):
    """A file an establishment sent cannot be accepted. The message is French and says how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        row: int | None = None,
        column: str | None = None,
        rule: str = "fichier_illisible",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.row = row
        self.column = column
        self.rule = rule


class CatalogueError(PipelineError):
    """The KPI catalogue under schemas/catalogue/ is inconsistent: fix the data file it names."""


class WarehouseError(PipelineError):
    """The warehouse is not in the state the code expects (migrations, locks)."""


class OperatorError(PipelineError):
    """An operator asked for what cannot be done (a quarter not yet closed): one line, exit code 2."""


class TransientError(PipelineError):
    """A failure worth retrying: a lock held by another writer, a remote store that did not answer."""


def is_transient(exc: BaseException) -> bool:
    """Retry only what may succeed next time; bad data never does."""
    return isinstance(exc, TransientError) and not isinstance(exc, SubmissionError)


class StorageError(TransientError):
    """The archive, rejected/ or processing/ store could not be written (disk full, read-only)."""


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# DuckDB and polars report a full disk in their own exception types, with the OS text in the message
DISK_FULL_TEXTS = ("no space left on device", "disk quota exceeded", "file too large", "os error 28")


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
        return True
    text = str(exc).lower()
    return any(marker in text for marker in DISK_FULL_TEXTS)


def operator_message(exc: BaseException, depth: int = 0) -> str | None:
    """The one line an operator reads for a fault of the installation, or None for anything else (a bug).

    Covers the warehouse's state (corrupt, unmigrated, held too long), a quarter that cannot be
    published, and a full disk anywhere under the data root.
    """
    if isinstance(exc, (WarehouseError, TransientError, OperatorError)):
        return str(exc)
    if is_disk_full(exc):
        where = f" writing {exc.filename}" if isinstance(exc, OSError) and exc.filename else ""
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        return (
            f"no space left on the device{where} ({reason}): free space on that disk (or raise the "
            "quota), then run the same command again; files not settled are back in the inbox (or in "
            "processing/ until the claim timeout) and are taken again: nothing was lost"
        )
    cause = exc.__cause__
    return operator_message(cause, depth + 1) if cause is not None and depth < 5 else None


class DiskFullError(StorageError):
    """The disk under the data root (or the warehouse) is full: free space, then run again."""
