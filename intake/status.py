"""`tlkpi status`: what is waiting in the inbox, what the last runs did, how complete the open quarter is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from intake import dropzone
from schemas.periods import Period
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.queries import completeness_counts, fetch_dicts


@dataclass(frozen=True)
class Status:
    pending: int
    pending_establishments: int
    claimed: int
    oldest_claim: datetime | None
    last_runs: list[dict[str, object]]
    quarter: str
    completeness: dict[str, int]  # complet / partiel / absent -> experimentations


def current_quarter(today: date) -> str:
    return Period(today.year, (today.month - 1) // 3 + 1).label


def read_status(settings: Settings, today: date, runs: int = 5) -> Status:
    """Read the drop zone, then the warehouse read-only (waiting if a run is writing it)."""
    pending = dropzone.discover(settings.inbox_dir)
    folders = Counter(dropzone.folder_finess(p.relative_to(settings.inbox_dir)) for p in pending)
    claims = (
        sorted(settings.processing_dir.glob(f"*/{dropzone.CLAIM_FILE}"))
        if settings.processing_dir.is_dir()
        else []
    )
    oldest = min((datetime.fromtimestamp(c.stat().st_mtime) for c in claims), default=None)
    quarter = current_quarter(today)
    last_runs: list[dict[str, object]] = []
    completeness: dict[str, int] = {}
    if settings.warehouse_path.exists():
        with open_warehouse(settings.warehouse_path, read_only=True) as con:
            last_runs = fetch_dicts(con, "last_runs", {"limit": runs})
            counts = completeness_counts(con, quarter)  # one pass: no names or KPI lists needed here
            completeness = {status: counts[status] for status in ("complet", "partiel", "absent")}
    return Status(
        pending=len(pending),
        pending_establishments=len([f for f in folders if f]),
        claimed=len(claims),
        oldest_claim=oldest,
        last_runs=last_runs,
        quarter=quarter,
        completeness=completeness,
    )


def format_status(status: Status, inbox: Path) -> list[str]:
    """The lines `tlkpi status` prints, for operators (English)."""
    lines = [
        f"Inbox {inbox}: {status.pending} file(s) waiting ({status.pending_establishments} establishment folder(s)).",
        f"Claimed by a run: {status.claimed}"
        + (f" (oldest since {status.oldest_claim:%Y-%m-%d %H:%M})." if status.oldest_claim else "."),
    ]
    lines.append("Last runs:" if status.last_runs else "Last runs: none recorded.")
    for run in status.last_runs:
        finished = run["finished_at"]
        when = finished.strftime("%Y-%m-%d %H:%M") if isinstance(finished, datetime) else "?"
        lines.append(
            f"  {when}  run {str(run['run'])[:8]}: {run['accepted']} accepted, {run['rejected']} rejected"
        )
    counts = status.completeness
    lines.append(
        f"Open quarter {status.quarter}: {counts.get('complet', 0)} experimentation(s) complete, "
        f"{counts.get('partiel', 0)} partial, {counts.get('absent', 0)} without a file yet."
    )
    return lines
