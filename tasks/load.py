"""Settle a validated file: archive and load it, or keep it rejected with its French report."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from intake import run
from intake.claim_issues import ValidationSummary
from intake.dropzone import Claim
from intake.submissions import Outcome, settle_claims
from tasks.retry import retry_if_transient
from tlkpi.settings import Settings


@task(
    name="load",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=2,
    retry_condition_fn=retry_if_transient,
)
def load_files(
    claims: list[Claim], summaries: list[ValidationSummary], settings: Settings, flow_run_id: str | None
) -> list[Outcome]:
    """Archive + load the accepted files, keep the rejected ones with their report (one transaction each)."""
    return settle_claims(claims, summaries, settings, flow_run_id)


@task(
    name="sync-reference",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=2,
    retry_condition_fn=retry_if_transient,
)
def sync_reference(settings: Settings) -> None:
    """Reference tables from the catalogue, and the establishment register when there is one."""
    run.sync_reference(settings)
