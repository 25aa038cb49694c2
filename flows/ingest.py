"""Ingestion flow: every file waiting in the inbox is claimed, read, validated and settled."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run

from intake.dropzone import Claim
from intake.submissions import Outcome
from tasks.artifacts import publish_folder_faults, publish_verdicts
from tasks.discover import claim_files, discover_files, put_back_claims
from tasks.load import load_files, sync_reference
from tasks.logs import run_logger, stage
from tasks.read import read_files
from tasks.validate import validate_files
from tlkpi.errors import operator_message
from tlkpi.settings import Settings


def settings_for(data_root: str | None) -> Settings:
    """The settings of the environment, with the data root a run may override."""
    return Settings(data_root=Path(data_root)) if data_root else Settings()


@flow(name="ingest", log_prints=False)
def ingest(data_root: str | None = None) -> list[Outcome]:
    """Process the inbox once. Rejected files do not fail the run; internal errors do."""
    settings = settings_for(data_root)
    logger = run_logger()
    run_id = flow_run.get_id()
    with stage(logger, "reference tables"):
        sync_reference(settings)
    outcomes: list[Outcome] = []
    while True:  # one batch of the inbox at a time; the whole inbox when ingest_batch_files is 0
        paths = discover_files(settings)
        claims = claim_files(paths, settings)
        logger.info(
            "Inbox %s: %d file(s) found, %d claimed by this run", settings.inbox_dir, len(paths), len(claims)
        )
        if not claims:
            break
        try:
            outcomes += settle(claims, settings, run_id, logger)
        except (KeyboardInterrupt, TerminationSignal):  # a service stop or Ctrl-C: a failed run
            returned = put_back_claims.fn(claims, settings)
            logger.error("Stopped by a signal; %d unsettled file(s) put back in the inbox", returned)
            raise
        except Exception as exc:
            if operator_message(exc) is None:
                raise
            returned = put_back_claims(claims, settings)
            logger.error(
                "Stopped: %s; %d unsettled file(s) put back in the inbox", operator_message(exc), returned
            )
            raise
        if not settings.ingest_batch_files:
            break
    publish_folder_faults(settings)
    if not outcomes:
        return []
    publish_verdicts(outcomes)
    return outcomes


def settle(claims: list[Claim], settings: Settings, run_id: str | None, logger: Any) -> list[Outcome]:
    """Read, validate and settle the claimed files, logging each stage."""
    with stage(logger, f"reading {len(claims)} file(s)"):
        readable = read_files(claims, settings)
    logger.info("Read: %d readable, %d unreadable", sum(readable), len(readable) - sum(readable))
    with stage(logger, "validation"):
        summaries = validate_files(claims, readable, date.today(), settings)
    accepted = sum(summary.accepted for summary in summaries)
    logger.info("Validation: %d file(s) pass, %d refused", accepted, len(summaries) - accepted)
    with stage(logger, "loading into the warehouse"):
        outcomes = load_files(claims, summaries, settings, run_id)
    verdicts = Counter(outcome.verdict for outcome in outcomes)
    logger.info(
        "Verdicts: %s; %d measurement(s) loaded",
        ", ".join(f"{count} {verdict}" for verdict, count in sorted(verdicts.items())) or "none",
        sum(outcome.loaded for outcome in outcomes),
    )
    return outcomes
