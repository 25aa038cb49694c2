"""Keeping a settled file's original: the archive when accepted, rejected/ with its French report when
refused, quarantine/ with the cause when its processing failed; and the warehouse record that points to it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from intake import originals
from intake.claim_issues import ValidationSummary, processing_error
from intake.depositors import depositor_of
from intake.dropzone import Claim
from intake.feedback import render_feedback
from intake.identity import shown_name, shown_path
from schemas.messages import PERSONAL_RULES, Issue
from tlkpi.errors import TransientError
from tlkpi.settings import Settings
from warehouse.load import SettledFile, SubmissionRecord

logger = logging.getLogger(__name__)


def log_failure(claim: Claim, stage: str, exc: BaseException) -> None:
    """The cause for the operator: the kind of error and where, never the file's content."""
    logger.error(
        "%s failed for %s (sha256 %s): %s", stage, shown_path(claim), claim.sha256[:12], type(exc).__name__
    )


def submission_record(claim: Claim, stored: Path, flow_run_id: str | None) -> SubmissionRecord:
    return SubmissionRecord(
        sha256=claim.sha256,
        original_name=shown_name(claim),
        inbox_path=shown_path(claim),
        inbox_finess=claim.inbox_finess,
        received_at=datetime.fromisoformat(claim.received_at).replace(tzinfo=None),
        stored_path=str(stored),
        flow_run_id=flow_run_id,
    )


def store_safely(
    claim: Claim, summary: ValidationSummary, settings: Settings, flow_run_id: str | None
) -> SettledFile:
    """`store`, with a failure that retrying cannot fix (a name, a bug) quarantining this file only."""
    try:
        settled = store(claim, summary, settings, flow_run_id)
    except TransientError:
        raise  # a full or read-only store: the task is retried, the files stay claimed
    except Exception as exc:
        log_failure(claim, "store", exc)
        failed = ValidationSummary(False, summary.n_rows, 1, 0, failed=True)
        settled = quarantine(claim, failed, settings, flow_run_id, processing_error("archivage"))
    referent = depositor_of(settings.portal_dir, claim.inbox_finess, claim.sha256)
    return replace(settled, record=replace(settled.record, deposited_by=referent))


def quarantine(
    claim: Claim, summary: ValidationSummary, settings: Settings, flow_run_id: str | None, issue: Issue
) -> SettledFile:
    stored = originals.quarantine(claim, settings.quarantine_dir, shown_name(claim), issue.message)
    return SettledFile(submission_record(claim, stored, flow_run_id), summary.n_rows, [issue], None)


def store(
    claim: Claim, summary: ValidationSummary, settings: Settings, flow_run_id: str | None
) -> SettledFile:
    """Keep the original: in the archive when accepted, else in rejected/ with its French report
    (the report alone when the file holds personal data or was never read), or in quarantine/."""
    issues = list(summary.issues)
    if summary.failed:
        return quarantine(claim, summary, settings, flow_run_id, issues[0])
    if summary.accepted:
        if summary.measurements is None:  # accepted by a summary that lost them: never load nothing
            raise ValueError(f"{claim.relative}: accepted without its measurements")
        stored = originals.archive(claim, settings.archive_dir)
        return SettledFile(
            submission_record(claim, stored, flow_run_id), summary.n_rows, issues, summary.measurements
        )
    name = shown_name(claim)
    report = render_feedback(name, claim.inbox_finess, claim.received_at, issues, summary.n_rows)
    keep = claim.refusal is None and not any(issue.rule in PERSONAL_RULES for issue in issues)
    stored = originals.keep_rejected(
        claim, settings.rejected_dir, report, shown_name=name, keep_original=keep
    )
    return SettledFile(submission_record(claim, stored, flow_run_id), summary.n_rows, issues, None)
