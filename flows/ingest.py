"""Ingestion flow: every file waiting in the inbox is claimed, read, validated and settled."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run

from intake.submissions import Outcome
from tasks.artifacts import publish_verdicts
from tasks.discover import claim_files, discover_files
from tasks.load import load_files, sync_reference
from tasks.read import read_files
from tasks.validate import validate_files
from tlkpi.settings import Settings


def settings_for(data_root: str | None) -> Settings:
    """The settings of the environment, with the data root a run may override."""
    return Settings(data_root=Path(data_root)) if data_root else Settings()


@flow(name="ingest", log_prints=False)
def ingest(data_root: str | None = None) -> list[Outcome]:
    """Process the inbox once. Rejected files do not fail the run; internal errors do."""
    settings = settings_for(data_root)
    run_id = flow_run.get_id()
    sync_reference(settings)
    claims = claim_files(discover_files(settings), settings)
    readable = read_files(claims, settings)
    summaries = validate_files(claims, readable, date.today(), settings)
    outcomes = load_files(claims, summaries, settings, run_id)
    publish_verdicts(outcomes)
    return outcomes
