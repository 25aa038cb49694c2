"""The life of one claimed file: read, validate, then settle (archive + load, or reject + report).

Each step leaves its result in the claim's work folder, so the Prefect tasks pass only the claim and
small summaries between them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from intake import dropzone
from intake.dropzone import Claim
from reports.feedback import render_feedback
from schemas.catalogue import Catalogue
from schemas.messages import Issue
from schemas.reading import Limits, SubmittedTable, read_submission
from schemas.validation import validate_tables
from tlkpi.errors import SubmissionError
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.history import load_history
from warehouse.load import LoadResult, SettledFile, SubmissionRecord, find_submissions, record_batch

TABLE_FILE = "table.parquet"
READ_FILE = "read.json"
MEASUREMENTS_FILE = "measurements.parquet"
ISSUES_FILE = "issues.json"
logger = logging.getLogger(__name__)


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
    """Settle a run's files: store each original, record them all in one transaction, drop the claims.

    Originals are stored (archive, or rejected/ with the French report) before the transaction and the
    claims dropped after it, so a crash at any point leaves each file claimed (re-claimable) or settled,
    never lost. A file already in the warehouse, or twice in the run, is a duplicate: released, not
    recorded. If the batch's transaction fails for a reason other than a passing one (a lock), each
    file is recorded in its own transaction, so a file the warehouse refuses cannot hold back the others.
    """
    with open_warehouse(settings.warehouse_path) as con:
        known = find_submissions(con, [claim.sha256 for claim in claims])
        pending: dict[str, tuple[Claim, Summary, SettledFile]] = {}
        for claim, summary in zip(claims, summaries, strict=True):
            if claim.sha256 not in known and claim.sha256 not in pending:
                pending[claim.sha256] = (claim, summary, _store(claim, summary, settings, flow_run_id))
        files = [file for _, _, file in pending.values()]
        try:
            results = record_batch(con, files)
        except duckdb.Error as exc:
            if len(files) < 2:
                raise
            logger.warning("batch of %d files refused (%s): recording them one by one", len(files), exc)
            results = [record_batch(con, [file])[0] for file in files]
    recorded = dict(zip(pending, results, strict=True))
    for sha256, result in recorded.items():
        known[sha256] = (result.submission_id, pending[sha256][2].status)
    outcomes = []
    for claim, summary in zip(claims, summaries, strict=True):
        first, _, file = pending.get(claim.sha256, (None, None, None))
        if first is claim and file is not None:
            outcomes.append(_outcome(claim, summary, file, recorded[claim.sha256]))
        else:
            outcomes.append(_duplicate(claim, summary, *known[claim.sha256]))
        dropzone.release(claim)
    return outcomes


def _store(claim: Claim, summary: Summary, settings: Settings, flow_run_id: str | None) -> SettledFile:
    """Keep the original: in the archive when accepted, else in rejected/ with its French report."""
    work = Path(claim.work_dir)
    issues = load_issues(work)
    if summary.accepted:
        stored = dropzone.archive(claim, settings.archive_dir)
        measurements = pl.read_parquet(work / MEASUREMENTS_FILE).to_arrow()
        return SettledFile(_record(claim, stored, flow_run_id), summary.n_rows, issues, measurements)
    report = render_feedback(claim.name, claim.inbox_finess, claim.received_at, issues, summary.n_rows)
    stored = dropzone.keep_rejected(claim, settings.rejected_dir, report)
    return SettledFile(_record(claim, stored, flow_run_id), summary.n_rows, issues, None)


def _outcome(claim: Claim, summary: Summary, file: SettledFile, result: LoadResult) -> Outcome:
    issues = list(file.issues)
    stored = file.record.stored_path
    if file.measurements is not None:
        return Outcome(
            claim.relative, claim.inbox_finess, "accepted", summary.n_rows, result.loaded,
            result.superseded, len(issues), _first_issue(issues), stored,
        )  # fmt: skip
    return Outcome(
        claim.relative, claim.inbox_finess, "rejected", summary.n_rows, 0, 0,
        summary.n_errors, _first_issue(issues), stored,
    )  # fmt: skip


def _duplicate(claim: Claim, summary: Summary, submission_id: int, status: str) -> Outcome:
    note = f"identique à la soumission n°{submission_id} ({status})"
    return Outcome(claim.relative, claim.inbox_finess, "duplicate", summary.n_rows, 0, 0, 0, note, "")
