"""What validation decided about a claimed file, and the issues the intake itself raises about a file."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from intake.dropzone import Claim
from schemas.messages import Issue

FAILED_RULE = "erreur_traitement"
FOREIGN_RULE = "finess_hors_dossier"  # the rows name another establishment than the folder


@dataclass(frozen=True)
class ValidationSummary:
    """What validation decided about a file, with its issues (or the one that refused it unread)."""

    accepted: bool
    n_rows: int
    n_errors: int
    n_warnings: int
    failed: bool = False  # « erreur de traitement »: kept in quarantine for the operator
    # an accepted file's measurements, handed to the load in memory (the load task's retries reuse them)
    measurements: pa.Table | None = field(default=None, compare=False, repr=False)
    # in memory, as the measurements: a file in the claim's folder cost a create, two reads and an
    # unlink per file, most of a national inbox's time on a busy disk
    issues: tuple[Issue, ...] = field(default=(), compare=False, repr=False)


def processing_error(stage: str) -> Issue:
    """The issue of a file whose processing failed unexpectedly: kept for the operator, not its fault."""
    return Issue(
        FAILED_RULE,
        f"Erreur de traitement ({stage}) : le fichier n'a pas pu être traité et l'équipe du programme en "
        "est informée. Vous n'avez rien à faire : il sera traité à nouveau après correction.",
    )


def budget_issue(seconds: float) -> Issue:
    return Issue(
        "controle_trop_long",
        f"Le contrôle du fichier a dépassé la limite de {seconds:g} secondes par fichier. Découpez-le en "
        "plusieurs fichiers plus petits, ou retirez les textes très longs.",
    )


def refused_apart(
    claims: list[Claim], summaries: list[ValidationSummary], accepted_before: set[str]
) -> dict[str, tuple[Claim, ValidationSummary]]:
    """Another establishment's file (`finess_hors_dossier`) whose bytes are accepted (before, or from
    another claim of the run): refused for its FINESS with its report, and not recorded (the bytes are
    recorded once, under the establishment they belong to), so no verdict names that submission."""
    foreign = {
        claim.work_dir
        for claim, summary in zip(claims, summaries, strict=True)
        if not summary.accepted and any(i.rule == FOREIGN_RULE for i in summary.issues)
    }
    elsewhere = {claim.sha256 for claim in claims if claim.work_dir not in foreign} | accepted_before
    return {
        claim.work_dir: (claim, summary)
        for claim, summary in zip(claims, summaries, strict=True)
        if claim.work_dir in foreign and claim.sha256 in elsewhere
    }
