"""`tlkpi status`: what is waiting in the inbox, what the last runs did, how complete the last closed
quarter and the open one are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from intake import dropzone
from intake.folder_faults import FolderFault, read_faults
from schemas.periods import Period, latest_closed_quarter
from tlkpi.settings import Settings
from warehouse.db import open_warehouse, warehouse_exists
from warehouse.queries import fetch_dicts, quarter_completeness, submission_deadline


@dataclass(frozen=True)
class QuarterProgress:
    """Completeness of one quarter against the experimentations expected then (the programme's calendar,
    else every one known by then)."""

    quarter: str
    deadline: datetime  # files for the quarter are on time until then (quarter end + grace days)
    expected: int
    complete: int
    partial: int
    absent: int
    overdue: int  # not complete although the deadline has passed
    sent_after_deadline: int


@dataclass(frozen=True)
class Status:
    pending: int
    pending_establishments: int
    claimed: int
    oldest_claim: datetime | None
    last_runs: list[dict[str, object]]  # ingest runs
    last_editions: list[dict[str, object]]  # quarter runs that froze an edition
    quarter: str  # the open quarter
    as_of: datetime
    closed: QuarterProgress | None
    open: QuarterProgress | None
    folder_faults: list[FolderFault] = field(default_factory=list)  # folders that cannot be used

    @property
    def completeness(self) -> dict[str, int]:
        """Counts of the open quarter, by French status (as the public index shows them)."""
        progress = self.open
        if progress is None:
            return {}
        return {"complet": progress.complete, "partiel": progress.partial, "absent": progress.absent}


def current_quarter(today: date) -> str:
    return Period(today.year, (today.month - 1) // 3 + 1).label


def quarter_progress(
    con: duckdb.DuckDBPyConnection, quarter: str, grace_days: int, now: datetime
) -> QuarterProgress:
    """Complete / partial / absent experimentations; overdue only once the deadline has passed."""
    deadline = submission_deadline(quarter, grace_days)
    rows = quarter_completeness(con, quarter, deadline)
    statuses = Counter(row.status for row in rows)
    return QuarterProgress(
        quarter=quarter,
        deadline=deadline,
        expected=len(rows),
        complete=statuses["complet"],
        partial=statuses["partiel"],
        absent=statuses["absent"],
        overdue=sum(row.status != "complet" for row in rows) if now >= deadline else 0,
        sent_after_deadline=sum(row.late for row in rows),
    )


def read_status(settings: Settings, today: date, runs: int = 5) -> Status:
    """Read the drop zone, then the warehouse read-only (waiting if a run is writing it)."""
    unreadable: list[FolderFault] = []
    pending = dropzone.list_candidates(settings.inbox_dir, unreadable)  # read-only: records no sighting
    folders = Counter(dropzone.folder_finess(p.relative_to(settings.inbox_dir)) for p in pending)
    claims = (
        sorted(settings.processing_dir.glob(f"*/{dropzone.CLAIM_FILE}"))
        if settings.processing_dir.is_dir()
        else []
    )
    oldest = min((datetime.fromtimestamp(c.stat().st_mtime) for c in claims), default=None)
    quarter = current_quarter(today)
    now = datetime.combine(today, datetime.now().time())
    last_runs: list[dict[str, object]] = []
    last_editions: list[dict[str, object]] = []
    closed = opened = None
    if warehouse_exists(settings.warehouse):
        with open_warehouse(settings.warehouse, read_only=True) as con:
            last_runs = fetch_dicts(con, "last_runs", {"limit": runs})
            last_editions = fetch_dicts(con, "last_editions", {"limit": runs})
            grace = settings.quarter_grace_days
            closed = quarter_progress(con, latest_closed_quarter(today).label, grace, now)
            opened = quarter_progress(con, quarter, grace, now)
    return Status(
        folder_faults=read_faults(settings.inbox_dir) + unreadable,
        pending=len(pending),
        pending_establishments=len([f for f in folders if f]),
        claimed=len(claims),
        oldest_claim=oldest,
        last_runs=last_runs,
        last_editions=last_editions,
        quarter=quarter,
        as_of=now,
        closed=closed,
        open=opened,
    )


def format_progress(label: str, progress: QuarterProgress | None, now: datetime) -> str:
    if progress is None:
        return f"{label}: no warehouse yet."
    if progress.expected == 0:
        return f"{label} {progress.quarter}: no experimentation expected (none running by the programme's calendar)."
    head = (
        f"{label} {progress.quarter}: {progress.expected} experimentation(s) expected: "
        f"{progress.complete} complete, {progress.partial} partial, {progress.absent} without a file"
    )
    if now < progress.deadline:
        return f"{head}; nobody is late before {progress.deadline:%Y-%m-%d}."
    return (
        f"{head}; late since {progress.deadline:%Y-%m-%d}: {progress.overdue} not complete, "
        f"{progress.sent_after_deadline} sent after that date."
    )


def format_status(status: Status, inbox: Path) -> list[str]:
    """The lines `tlkpi status` prints, for operators (English)."""
    lines = [
        f"Inbox {inbox}: {status.pending} file(s) waiting ({status.pending_establishments} establishment folder(s)).",
        f"Claimed by a run: {status.claimed}"
        + (f" (oldest since {status.oldest_claim:%Y-%m-%d %H:%M})." if status.oldest_claim else "."),
    ]
    for fault in status.folder_faults:
        lines.append(
            f"Folder {fault.folder} unusable since {fault.at}: cannot {fault.operation} ({fault.error}); "
            "its files wait, the other folders load."
        )
    lines.append("Last ingest runs:" if status.last_runs else "Last ingest runs: none recorded.")
    for run in status.last_runs:
        finished = run["finished_at"]
        when = finished.strftime("%Y-%m-%d %H:%M") if isinstance(finished, datetime) else "?"
        lines.append(
            f"  {when}  run {str(run['run'])[:8]}: {run['accepted']} accepted, {run['rejected']} rejected"
        )
    lines.append(
        "Last quarter editions:" if status.last_editions else "Last quarter editions: none published."
    )
    for edition in status.last_editions:
        frozen = edition["frozen_at"]
        when = frozen.strftime("%Y-%m-%d %H:%M") if isinstance(frozen, datetime) else "?"
        lines.append(
            f"  {when}  {edition['quarter']} edition {edition['number']}: {edition['n_submissions']} file(s), "
            f"{edition['n_establishments']} establishment(s)"
        )
    lines.append(format_progress("Last closed quarter", status.closed, status.as_of))
    lines.append(format_progress("Open quarter", status.open, status.as_of))
    return lines
