"""One error hierarchy for the whole pipeline.

`SubmissionError` is bad data from an establishment: shown to people in French, never retried, never
a traceback. Everything else deriving from `PipelineError` is ours to fix and is raised loudly.
"""

from __future__ import annotations


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


class TransientError(PipelineError):
    """A failure worth retrying: a lock held by another writer, a remote store that did not answer."""


def is_transient(exc: BaseException) -> bool:
    """Retry only what may succeed next time; bad data never does."""
    return isinstance(exc, TransientError) and not isinstance(exc, SubmissionError)


class StorageError(TransientError):
    """The archive, rejected/ or processing/ store could not be written (disk full, read-only)."""
