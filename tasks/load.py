"""Settle a validated file: archive and load it, or keep it rejected with its French report."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from intake.dropzone import Claim
from intake.submissions import Outcome, Summary, settle_claims
from schemas.calendar import CALENDAR_FILE
from schemas.catalogue import default_catalogue
from tasks.retry import retry_if_transient
from tlkpi.settings import Settings
from warehouse.calendar import sync_calendar_file
from warehouse.db import open_warehouse
from warehouse.reference import register_establishments_file, sync_catalogue


@task(
    name="load",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=2,
    retry_condition_fn=retry_if_transient,
)
def load_files(
    claims: list[Claim], summaries: list[Summary], settings: Settings, flow_run_id: str | None
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
    """Reference tables from the catalogue, the establishment register and the programme's calendar
    when there are ones."""
    catalogue = default_catalogue()
    with open_warehouse(settings.warehouse) as con:
        sync_catalogue(con, catalogue)
        register_establishments_file(con, settings.reference_dir / "establishments.csv")
        sync_calendar_file(con, settings.reference_dir / CALENDAR_FILE, catalogue)
