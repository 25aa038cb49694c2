"""Read a claimed file (CSV, XLSX, Parquet) into the claim's work folder."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from intake import run
from intake.dropzone import Claim
from tlkpi.settings import Settings


@task(name="read", cache_policy=NO_CACHE)
def read_files(claims: list[Claim], settings: Settings) -> list[bool]:
    """Per claim, True when the file could be read; otherwise the reason is kept as its issue."""
    return run.read_files(claims, settings)
