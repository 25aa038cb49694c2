"""The life of one claimed file: read, validate, then settle (archive + load, or reject + report).

The steps hand their results on in memory: the read table to validation, the measurements (on the
summary) to the load. The steps of a run share its process (the flow runs its tasks in its own), and a
crashed run's files are read again from the start, so nothing is written to the claim's work folder
but the claim itself: each file written there had to be deleted again, which dominated a national inbox.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
import pyarrow as pa

from intake import claim_release
from intake.claim_issues import (
    FAILED_RULE,
    ValidationSummary,
    budget_issue,
    processing_error,
    refused_apart,
)
from intake.depositors import depositor_of, forget_deposits
from intake.dropzone import Claim
from intake.folder_faults import fault, is_folder_error, save_faults
from intake.identity import identity_issue, shown_name, shown_path
from intake.receipts import write_receipt
from intake.storing import log_failure, quarantine, store_safely
from schemas.bounds import DEFAULT_CHECK_LIMITS, CheckLimits, CheckTimeout
from schemas.catalogue import Catalogue
from schemas.messages import Issue
from schemas.reading import Limits, SubmittedTable, read_submission
from schemas.validation import ValidationResult, validate_tables
from tlkpi.errors import SubmissionError
from tlkpi.files import exclusive_lock
from tlkpi.settings import Settings
from warehouse.db import Warehouse, open_warehouse
from warehouse.history import load_history
from warehouse.load import (
    AcceptedDrop,
    LoadResult,
    SettledFile,
    find_accepted_drops,
    find_submissions,
    record_batch,
)

logger = logging.getLogger(__name__)


# The one word said about a file (receipts, artifacts, the CLI); validation gives a ValidationResult,
# summed up per file as a ValidationSummary, and settling gives the verdict.
Verdict = Literal["accepted", "rejected", "quarantined", "duplicate"]
LOAD_LOCK = ".load.lock"  # in processing/: the lake's loads of this data root, one at a time


@dataclass(frozen=True)
class Outcome:
    """The verdict of one file, as shown in the run's artifact and the CLI."""

    file: str
    finess: str | None
    verdict: Verdict
    rows: int
    loaded: int
    superseded: int
    issues: int
    first_issue: str
    stored_path: str


def read_claim(
    claim: Claim, limits: Limits, register: frozenset[str] | None = None
) -> SubmittedTable | Issue:
    """Read the claimed file; the issue that refuses it when it is refused before reading (folder,
    link, name), unreadable, or its reading failed unexpectedly."""
    refusal = identity_issue(claim, register)
    if refusal is not None:
        return refusal
    try:
        return read_submission(Path(claim.path), limits)
    except SubmissionError as exc:
        return Issue(exc.rule, exc.message, exc.row, exc.column)
    except CheckTimeout:  # a read that went past the file's budget: refused, the run goes on
        return budget_issue(limits.seconds_per_file)
    except Exception as exc:  # one file's failure must not stop the others
        log_failure(claim, "read", exc)
        return processing_error("lecture")


def validate_claims(
    claims: list[Claim],
    tables: Sequence[SubmittedTable | Issue],
    catalogue: Catalogue,
    today: date,
    warehouse_path: Warehouse | None = None,
    limits: CheckLimits = DEFAULT_CHECK_LIMITS,
) -> list[ValidationSummary]:
    """Validate the read tables of many claims in one batch (an issue: refused at reading); each file's
    issues and measurements go on its summary.

    With a warehouse, values far from each establishment's history are flagged as warnings. When the
    batch fails, it is split until the file that fails is alone: that file gets « erreur de
    traitement » (or the time-budget refusal), the others their verdicts.
    """
    staged = [
        (claim, table) for claim, table in zip(claims, tables, strict=True) if not isinstance(table, Issue)
    ]
    written = (
        pl.concat([table.frame.select("finess") for _, table in staged])
        .to_series()
        .str.strip_chars()
        .unique()
        if staged
        else pl.Series([], dtype=pl.String)
    )
    finess = {f for f in written.drop_nulls().to_list() if len(f) == 9}  # what can be a FINESS
    history = load_history(warehouse_path, finess) if warehouse_path else None

    def check(part: Sequence[tuple[Claim, SubmittedTable]]) -> list[ValidationResult | Issue]:
        items = [(table, claim.inbox_finess) for claim, table in part]
        try:
            return list(validate_tables(items, catalogue, today=today, history=history, limits=limits))
        except Exception as exc:
            if len(part) > 1:
                middle = len(part) // 2
                return check(part[:middle]) + check(part[middle:])
            if isinstance(exc, CheckTimeout):
                return [budget_issue(limits.seconds_per_file)]
            log_failure(part[0][0], "validate", exc)
            return [processing_error("contrôle")]

    verdicts = check(staged) if staged else []
    by_claim = {claim.work_dir: verdict for (claim, _), verdict in zip(staged, verdicts, strict=True)}
    arrow = _as_arrow([v.measurements if isinstance(v, ValidationResult) else None for v in verdicts])
    measured = {claim.work_dir: table for (claim, _), table in zip(staged, arrow, strict=True)}
    summaries = []
    for claim, table in zip(claims, tables, strict=True):
        verdict = table if isinstance(table, Issue) else by_claim[claim.work_dir]
        if isinstance(verdict, Issue):  # refused at reading, or its validation failed
            failed = verdict.rule == FAILED_RULE
            summaries.append(ValidationSummary(False, 0, 1, 0, failed, issues=(verdict,)))
            continue
        warnings = len(verdict.issues) - len(verdict.errors)
        measurements = measured[claim.work_dir]
        summaries.append(
            ValidationSummary(
                verdict.accepted,
                verdict.n_rows,
                len(verdict.errors),
                warnings,
                measurements=measurements,
                issues=tuple(verdict.issues),
            )
        )
    return summaries


def _first_issue(issues: list[Issue]) -> str:
    errors = [i for i in issues if i.severity == "error"] or issues
    if not errors:
        return ""
    first = errors[0]
    where = f"ligne {first.row}, " if first.row is not None else ""
    return f"{where}{first.column or '-'} : {first.rule}"


def _as_arrow(frames: list[pl.DataFrame | None]) -> list[pa.Table | None]:
    """The frames as Arrow tables, converted together (one conversion per file cost 0.2 s for 400 small
    files), each then a slice of the whole."""
    present = [frame for frame in frames if frame is not None]
    if not present:
        return [None for _ in frames]
    whole = pl.concat(present).to_arrow()
    tables: list[pa.Table | None] = []
    start = 0
    for frame in frames:
        if frame is None:
            tables.append(None)
            continue
        tables.append(whole.slice(start, frame.height))
        start += frame.height
    return tables


def settle_claims(
    claims: list[Claim], summaries: list[ValidationSummary], settings: Settings, flow_run_id: str | None
) -> list[Outcome]:
    """Settle a run's files: store each original, record them all in one transaction, drop the claims.

    Originals are stored (archive, rejected/ with the French report, or quarantine/) before the
    transaction and the claims dropped after it, so a crash at any point leaves each file claimed
    (re-claimable) or settled, never lost. Bytes already accepted, or twice in the run, are a
    duplicate: released, not recorded; bytes refused before are settled again with their new verdict.
    If the batch's transaction fails, each file is recorded in its own transaction, and a file the
    warehouse still refuses is quarantined: it cannot hold back the others.
    """
    with open_warehouse(settings.warehouse) as con:
        known = find_submissions(con, [claim.sha256 for claim in claims])
        accepted_before = {sha for sha, (_, status) in known.items() if status == "accepted"}
        earlier_drops = find_accepted_drops(con, sorted(accepted_before)) if accepted_before else {}
        apart = refused_apart(claims, summaries, accepted_before)
        chosen: dict[str, tuple[Claim, ValidationSummary]] = {}
        for claim, summary in zip(claims, summaries, strict=True):
            first = chosen.get(claim.sha256)
            if claim.work_dir in apart or claim.sha256 in accepted_before:
                continue
            if first is None or summary.accepted > first[1].accepted:
                chosen[claim.sha256] = (
                    claim,
                    summary,
                )  # the same bytes refused in one folder, accepted in another
        stored_apart = {
            work: store_safely(claim, summary, settings, flow_run_id)
            for work, (claim, summary) in apart.items()
        }
        pending: dict[str, tuple[Claim, ValidationSummary, SettledFile]] = {
            sha256: (claim, summary, store_safely(claim, summary, settings, flow_run_id))
            for sha256, (claim, summary) in chosen.items()
        }
        files = [file for _, _, file in pending.values()]
        with one_load_at_a_time(settings):
            try:
                results = record_batch(con, files)
            except duckdb.Error as exc:
                if not files or _is_passing(exc):
                    raise
                logger.warning(
                    "batch of %d files refused (%s): recording them one by one",
                    len(files),
                    type(exc).__name__,
                )
                results = []
                for sha256, (alone, alone_summary, alone_file) in list(pending.items()):
                    results.append(
                        _record_alone(con, alone, alone_summary, alone_file, settings, pending, sha256)
                    )
    recorded = dict(zip(pending, results, strict=True))
    for sha256, result in recorded.items():
        known[sha256] = (result.submission_id, pending[sha256][2].status)
    outcomes = []
    for claim, summary in zip(claims, summaries, strict=True):
        settled_claim, _, file = pending.get(claim.sha256, (None, None, None))
        if claim.work_dir in stored_apart:  # another establishment's file: its refusal, never a duplicate
            outcomes.append(_outcome(claim, summary, stored_apart[claim.work_dir], LoadResult(0, 0, 0)))
        elif settled_claim is claim and file is not None:
            outcomes.append(_outcome(claim, pending[claim.sha256][1], file, recorded[claim.sha256]))
        elif (drop := earlier_drops.get(claim.sha256)) and _is_same_drop(claim, drop):
            # recorded by a run that stopped before its receipt
            outcomes.append(_resumed(claim, summary, drop))
        else:
            outcomes.append(_duplicate(claim, summary, *known[claim.sha256]))
        referent = depositor_of(settings.portal_dir, claim.inbox_finess, claim.sha256)
        _deliver_receipt(claim, summary.issues, outcomes[-1], settings, referent)
    claim_release.release_all(claims, settings.processing_dir)
    forget_deposits(settings.portal_dir, [(claim.inbox_finess, claim.sha256) for claim in claims])
    return outcomes


@contextmanager
def one_load_at_a_time(settings: Settings) -> Iterator[None]:
    """On a lake, the workers sharing this data root record their batches one after the other.

    Two loads on a lake always conflict (each raises `id_block`, on purpose: the later one must see the
    earlier one's values), and the loser redoes its whole transaction: with loads a third of a worker's
    time, two workers redid most of theirs. Waiting on a lock beside the claims (a shared path, as the
    reception ledger's) costs nothing of the kind; workers with data roots of their own still rely on
    the conflict alone. The DuckDB file needs none: it has one writer process at a time.
    """
    if settings.warehouse_backend != "ducklake":
        yield
        return
    with exclusive_lock(settings.processing_dir / LOAD_LOCK):
        yield


def _deliver_receipt(
    claim: Claim, issues: Sequence[Issue], outcome: Outcome, settings: Settings, referent: str | None
) -> None:
    """The receipt; an outbox folder that cannot be written is that folder's fault, logged and kept for
    `tlkpi status` (the file is settled: its verdict is in the warehouse and the run's artifact)."""
    try:
        write_receipt_of(claim, issues, outcome, settings.outbox_dir, referent)
    except OSError as exc:
        if not is_folder_error(exc):
            raise
        found = fault(f"{claim.inbox_finess or '.'}/receipt", "write the receipt in outbox/ of", exc)
        save_faults(settings.inbox_dir, [found], replace=False)


def write_receipt_of(
    claim: Claim, issues: Sequence[Issue], outcome: Outcome, outbox: Path, deposited_by: str | None = None
) -> None:
    """The establishment's receipt of a settled file, in outbox/<FINESS>/, before its claim is dropped."""
    write_receipt(
        outbox, file=shown_name(claim), finess=claim.inbox_finess, received_at=claim.received_at,
        sha256=claim.sha256, verdict=outcome.verdict, rows=outcome.rows, loaded=outcome.loaded,
        superseded=outcome.superseded, first_issue=outcome.first_issue,
        issues=list(issues), deposited_by=deposited_by,
    )  # fmt: skip


def _is_passing(exc: duckdb.Error) -> bool:
    """A lock held by another writer: the whole task is retried, nothing is quarantined."""
    return "lock" in str(exc).lower() and "conflict" not in str(exc).lower()


def _record_alone(
    con: duckdb.DuckDBPyConnection,
    claim: Claim,
    summary: ValidationSummary,
    file: SettledFile,
    settings: Settings,
    pending: dict[str, tuple[Claim, ValidationSummary, SettledFile]],
    sha256: str,
) -> LoadResult:
    """Record one file in its own transaction; if the warehouse refuses it, quarantine and record that."""
    try:
        return record_batch(con, [file])[0]
    except duckdb.Error as exc:
        log_failure(claim, "load", exc)
    failed = ValidationSummary(False, summary.n_rows, 1, 0, failed=True)
    quarantined = quarantine(claim, failed, settings, file.record.flow_run_id, processing_error("chargement"))
    quarantined = replace(
        quarantined, record=replace(quarantined.record, deposited_by=file.record.deposited_by)
    )
    pending[sha256] = (claim, failed, quarantined)
    return record_batch(con, [quarantined])[0]


def _outcome(claim: Claim, summary: ValidationSummary, file: SettledFile, result: LoadResult) -> Outcome:
    issues = list(file.issues)
    stored = file.record.stored_path
    shown = shown_path(claim)
    if file.measurements is not None:
        return Outcome(
            shown, claim.inbox_finess, "accepted", summary.n_rows, result.loaded,
            result.superseded, len(issues), _first_issue(issues), stored,
        )  # fmt: skip
    verdict: Verdict = "quarantined" if any(issue.rule == FAILED_RULE for issue in issues) else "rejected"
    return Outcome(
        shown, claim.inbox_finess, verdict, summary.n_rows, 0, 0,
        file.n_issues, _first_issue(issues), stored,
    )  # fmt: skip


def _is_same_drop(claim: Claim, drop: AcceptedDrop) -> bool:
    """The recorded file is this very drop (same folder and name, same reception by the pipeline's
    clock), taken again because the run that recorded it stopped before writing its receipt."""
    received = datetime.fromisoformat(claim.received_at).replace(tzinfo=None)
    return drop.inbox_path == shown_path(claim) and drop.received_at == received


def _resumed(claim: Claim, summary: ValidationSummary, drop: AcceptedDrop) -> Outcome:
    issues = list(summary.issues)
    return Outcome(
        shown_path(claim), claim.inbox_finess, "accepted", drop.n_rows, drop.loaded,
        drop.superseded, drop.n_issues, _first_issue(issues), drop.stored_path,
    )  # fmt: skip


def _duplicate(claim: Claim, summary: ValidationSummary, submission_id: int, status: str) -> Outcome:
    note = f"identique à la soumission n°{submission_id} ({status})"
    return Outcome(shown_path(claim), claim.inbox_finess, "duplicate", summary.n_rows, 0, 0, 0, note, "")
