"""Validate a read file against the contract (Great Expectations suite + code rules)."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from intake import run
from intake.claim_issues import ValidationSummary
from intake.dropzone import Claim
from schemas.messages import Issue
from schemas.reading import SubmittedTable
from tlkpi.settings import Settings


@task(name="validate", cache_policy=NO_CACHE)
def validate_files(
    claims: list[Claim], tables: list[SubmittedTable | Issue], today: date, settings: Settings
) -> list[ValidationSummary]:
    """One validation over the run's files: the suite's fixed cost is paid once, verdicts stay per file."""
    return run.validate_files(claims, tables, today, settings)
