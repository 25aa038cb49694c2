"""Read a claimed file (CSV, XLSX, Parquet)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from intake import run
from intake.dropzone import Claim
from schemas.messages import Issue
from schemas.reading import SubmittedTable
from tlkpi.settings import Settings


@task(name="read", cache_policy=NO_CACHE)
def read_files(claims: list[Claim], settings: Settings) -> list[SubmittedTable | Issue]:
    """Per claim, its table when the file could be read; otherwise the issue that refuses it
    (the table is handed to the validation task in memory: the flow runs its tasks in its process)."""
    return run.read_files(claims, settings)
