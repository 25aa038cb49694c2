"""Ingestion flow: every file waiting in the inbox is claimed, read, validated and settled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from prefect import Task, flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from intake.run import Steps, ingest_inbox
from intake.submissions import Outcome
from tasks.artifacts import publish_folder_faults, publish_verdicts
from tasks.discover import claim_files, discover_files, put_back_claims
from tasks.load import load_files, sync_reference
from tasks.logs import run_logger
from tasks.read import read_files
from tasks.validate import validate_files
from tlkpi.settings import settings_for


def _quoted(step: Task[..., Any]) -> Callable[..., Any]:
    """The task, called with its arguments quoted: Prefect then neither walks them looking for futures
    nor records them as task inputs. Walking a run's claims, tables and summaries (Arrow and polars
    inside) cost about a second for 400 files; the steps pass plain values, never futures."""

    def call(*args: Any) -> Any:
        return step(*(quote(arg) for arg in args))

    return call


TASK_STEPS = Steps(
    *(
        _quoted(step)
        for step in (
            sync_reference,
            discover_files,
            claim_files,
            read_files,
            validate_files,
            load_files,
            put_back_claims,
        )
    )
)


@flow(name="ingest", log_prints=False)
def ingest(data_root: str | None = None) -> list[Outcome]:
    """Process the inbox once. Rejected files do not fail the run; internal errors do."""
    settings = settings_for(data_root)
    outcomes = ingest_inbox(settings, date.today(), flow_run.get_id(), TASK_STEPS, run_logger())
    publish_folder_faults(settings)
    if outcomes:
        _quoted(publish_verdicts)(outcomes)
    return outcomes
