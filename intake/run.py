"""One ingest run of the inbox, without Prefect: the order of the steps, their batches, put-back and settle.

The ingest flow runs the same order with each step as a Prefect task (`flows/ingest.py` passes its
tasks as `Steps`); tests, the bench and scripts call `ingest_inbox` as it is.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from intake import claim_owner, claim_release, dropzone
from intake.claim_issues import ValidationSummary
from intake.claim_owner import FlowRunStateReader
from intake.dropzone import Claim
from intake.folder_faults import FolderFault, save_faults
from intake.identity import read_register
from intake.submissions import Outcome, read_claim, settle_claims, validate_claims
from schemas.bounds import CheckLimits
from schemas.calendar import CALENDAR_FILE
from schemas.catalogue import default_catalogue
from schemas.messages import Issue
from schemas.reading import Limits, SubmittedTable
from tlkpi.errors import operator_message
from tlkpi.settings import Settings
from warehouse.calendar import sync_calendar_file
from warehouse.db import open_warehouse
from warehouse.reference import register_establishments_file, sync_catalogue

logger = logging.getLogger(__name__)


def sync_reference(settings: Settings) -> None:
    """Reference tables from the catalogue, the establishment register and the programme's calendar
    when there are ones."""
    catalogue = default_catalogue()
    with open_warehouse(settings.warehouse) as con:
        sync_catalogue(con, catalogue)
        register_establishments_file(con, settings.reference_dir / "establishments.csv")
        sync_calendar_file(con, settings.reference_dir / CALENDAR_FILE, catalogue)


def discover_files(
    settings: Settings, flow_run_state: FlowRunStateReader | None = None, wait: bool = False
) -> list[str]:
    """Put back the files of claims whose owner is gone (or older than the timeout), then list the settled
    files of the inbox in reception order (with `wait`, waiting once for files seen for the first time).
    A folder that cannot be listed or emptied is recorded as that folder's fault."""
    faults: list[FolderFault] = []
    claim_release.release_stale_claims(
        settings.inbox_dir,
        settings.processing_dir,
        settings.claim_timeout_seconds,
        claim_owner.claim_checker(flow_run_state),
        faults,
    )
    found = dropzone.discover(settings.inbox_dir, settings.settle_seconds, wait=wait, faults=faults)
    save_faults(settings.inbox_dir, faults, replace=True)
    return [str(path) for path in found]


def claim_files(paths: list[str], settings: Settings, flow_run_id: str | None = None) -> list[Claim]:
    """Take the files out of the inbox atomically (at most `ingest_batch_files`); those another run took
    first are skipped, and so are the files of a folder that cannot be emptied (its fault is recorded)."""
    owner = claim_owner.current_owner(flow_run_id)
    claims, faults = dropzone.claim_all(
        [Path(path) for path in paths], settings.inbox_dir, settings.processing_dir,
        settings.settle_seconds, owner, settings.ingest_batch_files,
    )  # fmt: skip
    if faults:
        save_faults(settings.inbox_dir, faults, replace=False)
    return claims


def put_back_claims(claims: list[Claim], settings: Settings) -> int:
    """After a fault of the machine (full disk, unusable warehouse), unsettled files go back to the inbox."""
    return sum(claim_release.put_back(claim, settings.inbox_dir) is not None for claim in claims)


def read_files(claims: list[Claim], settings: Settings) -> list[SubmittedTable | Issue]:
    """Per claim, its table when the file could be read; otherwise the issue that refuses it."""
    limits = Limits.of(settings)
    register = read_register(settings.reference_dir)
    # one at a time, in this thread: two threads read 400 small files in 0.58 s against 0.84 s, but a
    # stopped run (SIGINT, SIGTERM) then waits at exit for the pool's thread still reading a file
    return [read_claim(claim, limits, register) for claim in claims]


def validate_files(
    claims: list[Claim], tables: list[SubmittedTable | Issue], today: date, settings: Settings
) -> list[ValidationSummary]:
    """One validation over the run's files: the suite's fixed cost is paid once, verdicts stay per file."""
    return validate_claims(
        claims, tables, default_catalogue(), today, settings.warehouse, CheckLimits.of(settings)
    )


class Steps(NamedTuple):
    """The steps of a run, in the order `ingest_inbox` calls them (the flow passes its tasks)."""

    sync_reference: Callable[[Settings], None]
    discover: Callable[[Settings], list[str]]
    claim: Callable[[list[str], Settings], list[Claim]]
    read: Callable[[list[Claim], Settings], list[SubmittedTable | Issue]]
    validate: Callable[[list[Claim], list[SubmittedTable | Issue], date, Settings], list[ValidationSummary]]
    settle: Callable[[list[Claim], list[ValidationSummary], Settings, str | None], list[Outcome]]
    put_back: Callable[[list[Claim], Settings], int]


def local_steps(run_id: str | None = None) -> Steps:
    """The steps as plain calls in this process (claims are recorded as owned by `run_id`)."""
    return Steps(
        sync_reference,
        discover_files,
        partial(claim_files, flow_run_id=run_id),
        read_files,
        validate_files,
        settle_claims,
        put_back_claims,
    )


@contextmanager
def stage(log: Any, name: str) -> Iterator[None]:
    """Log the start of a stage and its duration."""
    log.info("%s: started", name)
    started = time.monotonic()
    yield
    log.info("%s: done in %.1f s", name, time.monotonic() - started)


def ingest_inbox(
    settings: Settings,
    today: date,
    run_id: str | None = None,
    steps: Steps | None = None,
    log: Any = logger,
) -> list[Outcome]:
    """Process the inbox once, batch by batch; the whole inbox when `ingest_batch_files` is 0.

    On a fault of the machine (full disk, unusable warehouse) the batch's unsettled files go back to the
    inbox and the error is raised; rejected files are outcomes, not errors.
    """
    steps = steps or local_steps(run_id)
    with stage(log, "reference tables"):
        steps.sync_reference(settings)
    outcomes: list[Outcome] = []
    pending: list[str] = []  # the settled files of the last look at the inbox not yet tried, in order
    while True:
        fresh = not pending
        paths = steps.discover(settings) if fresh else pending
        claims = steps.claim(paths, settings)
        log.info(
            "Inbox %s: %d file(s) %s, %d claimed by this run",
            settings.inbox_dir, len(paths), "found" if fresh else "left of the last look", len(claims),
        )  # fmt: skip
        pending = _untried(paths, claims, settings)
        if not claims:
            if fresh:
                break
            continue  # the rest of the last look was taken by other runs: look again
        try:
            outcomes += settle_batch(claims, settings, today, run_id, steps, log)
        except Exception as exc:
            if operator_message(exc) is None:
                raise
            returned = steps.put_back(claims, settings)
            log.error(
                "Stopped: %s; %d unsettled file(s) put back in the inbox", operator_message(exc), returned
            )
            raise
        except BaseException:  # a service stop or Ctrl-C (SIGTERM reaches a flow as TerminationSignal)
            returned = put_back_claims(claims, settings)  # plainly: the task runner may be stopping
            log.error("Stopped by a signal; %d unsettled file(s) put back in the inbox", returned)
            raise
        if not settings.ingest_batch_files:
            break
    return outcomes


def _untried(paths: list[str], claims: list[Claim], settings: Settings) -> list[str]:
    """The paths after the last one claimed: the next batch's, without listing the inbox again.

    Listing records a sighting of every file under the reception ledger's lock: once per batch, it cost a
    1,500-file inbox 0.3-0.4 s per batch of 50 and made concurrent workers wait on each other. Files
    dropped meanwhile are seen at the next look, which comes when these are done; they were received
    later, so reception order holds. An empty list when nothing was claimed (look again) or no batch."""
    if not claims or not settings.ingest_batch_files:
        return []
    claimed = {(settings.inbox_dir / claim.relative).as_posix() for claim in claims}
    last = max((index for index, path in enumerate(paths) if Path(path).as_posix() in claimed), default=None)
    return [] if last is None else paths[last + 1 :]


def settle_batch(
    claims: list[Claim], settings: Settings, today: date, run_id: str | None, steps: Steps, log: Any
) -> list[Outcome]:
    """Read, validate and settle the claimed files, logging each stage."""
    with stage(log, f"reading {len(claims)} file(s)"):
        tables = steps.read(claims, settings)
    readable = sum(not isinstance(table, Issue) for table in tables)
    log.info("Read: %d readable, %d unreadable", readable, len(tables) - readable)
    with stage(log, "validation"):
        summaries = steps.validate(claims, tables, today, settings)
    accepted = sum(summary.accepted for summary in summaries)
    log.info("Validation: %d file(s) pass, %d refused", accepted, len(summaries) - accepted)
    with stage(log, "loading into the warehouse"):
        outcomes = steps.settle(claims, summaries, settings, run_id)
    verdicts = Counter(outcome.verdict for outcome in outcomes)
    log.info(
        "Verdicts: %s; %d measurement(s) loaded",
        ", ".join(f"{count} {verdict}" for verdict, count in sorted(verdicts.items())) or "none",
        sum(outcome.loaded for outcome in outcomes),
    )
    return outcomes
