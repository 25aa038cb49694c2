"""The life of one claimed file: read, validate, then settle (archive + load, or reject + report).

Each step leaves its result in the claim's work folder, so the Prefect tasks pass only the claim and
small summaries between them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from reports.feedback import render_feedback
from schemas.catalogue import Catalogue
from schemas.messages import Issue
from schemas.validation import validate_tables
from tlkpi import dropzone
from tlkpi.dropzone import Claim
from tlkpi.errors import SubmissionError
from tlkpi.reading import Limits, SubmittedTable, read_submission
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.history import load_history
from warehouse.load import SubmissionRecord, find_submission, load_accepted, record_rejected

TABLE_FILE = "table.parquet"
READ_FILE = "read.json"
MEASUREMENTS_FILE = "measurements.parquet"
ISSUES_FILE = "issues.json"


@dataclass(frozen=True)
class Summary:
    """What validation decided about a file."""

    accepted: bool
    n_rows: int
    n_errors: int
    n_warnings: int


@dataclass(frozen=True)
class Outcome:
    """The verdict of one file, as shown in the run's artifact and the CLI."""

    file: str
    finess: str | None
    verdict: str  # accepted | rejected | duplicate
    rows: int
    loaded: int
    superseded: int
    issues: int
    first_issue: str
    stored_path: str


def read_claim(claim: Claim, limits: Limits) -> bool:
    """Read the claimed file into the work folder; False (with the issue saved) when unreadable."""
    work = Path(claim.work_dir)
    try:
        table = read_submission(Path(claim.path), limits)
    except SubmissionError as exc:
        issue = Issue(exc.rule, exc.message, exc.row, exc.column)
        _save_issues(work, [issue])
        return False
    table.frame.write_parquet(work / TABLE_FILE)
    meta = {"headers": table.headers, "ignored": list(table.ignored_headers), "format": table.file_format}
    (work / READ_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return True


def _load_table(work: Path) -> SubmittedTable:
    meta = json.loads((work / READ_FILE).read_text(encoding="utf-8"))
    return SubmittedTable(
        frame=pl.read_parquet(work / TABLE_FILE),
        headers=meta["headers"],
        ignored_headers=tuple(meta["ignored"]),
        file_format=meta["format"],
    )


def _save_issues(work: Path, issues: list[Issue]) -> None:
    (work / ISSUES_FILE).write_text(
        json.dumps([asdict(i) for i in issues], ensure_ascii=False), encoding="utf-8"
    )


def load_issues(work: Path) -> list[Issue]:
    path = work / ISSUES_FILE
    if not path.exists():
        return []
    return [Issue(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


def validate_claims(
    claims: list[Claim],
    readable: list[bool],
    catalogue: Catalogue,
    today: date,
    warehouse_path: Path | None = None,
) -> list[Summary]:
    """Validate the staged tables of many claims in one batch; keep each file's issues and measurements.

    With a warehouse, values far from each establishment's history are flagged as warnings.
    """
    staged = [
        (claim, _load_table(Path(claim.work_dir))) for claim, ok in zip(claims, readable, strict=True) if ok
    ]
    finess = {
        f
        for _, table in staged
        for f in table.frame["finess"].str.strip_chars().drop_nulls().unique().to_list()
    }
    history = load_history(warehouse_path, finess) if warehouse_path else None
    verdicts = validate_tables(
        [(table, claim.inbox_finess) for claim, table in staged], catalogue, today=today, history=history
    )
    by_claim = {claim.work_dir: verdict for (claim, _), verdict in zip(staged, verdicts, strict=True)}
    summaries = []
    for claim in claims:
        work = Path(claim.work_dir)
        verdict = by_claim.get(claim.work_dir)
        if verdict is None:  # unreadable: its issue was saved by read_claim
            summaries.append(Summary(False, 0, len(load_issues(work)), 0))
            continue
        _save_issues(work, list(verdict.issues))
        if verdict.measurements is not None:
            verdict.measurements.write_parquet(work / MEASUREMENTS_FILE)
        warnings = len(verdict.issues) - len(verdict.errors)
        summaries.append(Summary(verdict.accepted, verdict.n_rows, len(verdict.errors), warnings))
    return summaries


def _record(claim: Claim, stored: Path, flow_run_id: str | None) -> SubmissionRecord:
    return SubmissionRecord(
        sha256=claim.sha256,
        original_name=claim.name,
        inbox_path=claim.relative,
        inbox_finess=claim.inbox_finess,
        received_at=datetime.fromisoformat(claim.received_at).replace(tzinfo=None),
        stored_path=str(stored),
        flow_run_id=flow_run_id,
    )


def _first_issue(issues: list[Issue]) -> str:
    errors = [i for i in issues if i.severity == "error"] or issues
    if not errors:
        return ""
    first = errors[0]
    where = f"ligne {first.row}, " if first.row is not None else ""
    return f"{where}{first.column or '-'} : {first.rule}"


def settle_claims(
    claims: list[Claim], summaries: list[Summary], settings: Settings, flow_run_id: str | None
) -> list[Outcome]:
    """Settle every file of a run through one warehouse connection, each file in its own transaction."""
    with open_warehouse(settings.warehouse_path) as con:
        return [
            settle_claim(con, claim, summary, settings, flow_run_id)
            for claim, summary in zip(claims, summaries, strict=True)
        ]


def settle_claim(
    con: duckdb.DuckDBPyConnection,
    claim: Claim,
    summary: Summary,
    settings: Settings,
    flow_run_id: str | None,
) -> Outcome:
    """Archive and load an accepted file, or keep a rejected one with its report; then drop the claim.

    The original is stored before the warehouse transaction and the claim dropped after it, so a
    crash at any point leaves the file claimed (re-claimable) or settled, never lost.
    """
    work = Path(claim.work_dir)
    issues = load_issues(work)
    known = find_submission(con, claim.sha256)
    if known is not None:
        dropzone.release(claim)
        note = f"identique à la soumission n°{known[0]} ({known[1]})"
        return Outcome(claim.relative, claim.inbox_finess, "duplicate", summary.n_rows, 0, 0, 0, note, "")
    if summary.accepted:
        stored = dropzone.archive(claim, settings.archive_dir)
        measurements = pl.read_parquet(work / MEASUREMENTS_FILE).to_arrow()
        result = load_accepted(con, _record(claim, stored, flow_run_id), measurements, issues)
        outcome = Outcome(
            claim.relative, claim.inbox_finess, "accepted", summary.n_rows, result.loaded,
            result.superseded, len(issues), _first_issue(issues), str(stored),
        )  # fmt: skip
    else:
        report = render_feedback(claim.name, claim.inbox_finess, claim.received_at, issues, summary.n_rows)
        stored = dropzone.keep_rejected(claim, settings.rejected_dir, report)
        record_rejected(con, _record(claim, stored, flow_run_id), issues, summary.n_rows)
        outcome = Outcome(
            claim.relative, claim.inbox_finess, "rejected", summary.n_rows, 0, 0,
            summary.n_errors, _first_issue(issues), str(stored),
        )  # fmt: skip
    dropzone.release(claim)
    return outcome
