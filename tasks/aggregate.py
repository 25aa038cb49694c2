"""Aggregate a quarter: freeze its edition (benchmark and ROI after disclosure control) in the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from disclosure.audit import AuditReport, audit_path, write_audit
from disclosure.benchmark import BenchmarkCell, RoiCell
from disclosure.editions import freeze_edition, read_benchmark, read_roi
from disclosure.rules import SECONDARY_REASON, DisclosureError, Rules
from tasks.retry import retry_if_transient
from tlkpi.settings import Settings
from warehouse.db import open_warehouse


@dataclass(frozen=True)
class QuarterSummary:
    """What publishing a quarter did: the edition, whether it is new, and its headline counts."""

    quarter: str
    edition: int
    created: bool
    previous_edition: int | None
    as_of: datetime | None
    submissions: int
    establishments: int
    experimentations: int
    cells: int
    withheld: int
    withheld_secondary: int
    audit_path: str


def publication_rules(settings: Settings) -> Rules:
    return Rules.of(settings)


@task(
    name="aggregate",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=2,
    retry_condition_fn=retry_if_transient,
)
def aggregate_quarter(settings: Settings, quarter: str) -> QuarterSummary:
    """Freeze a new edition of `quarter` when something changed; otherwise report the latest one."""
    with open_warehouse(settings.warehouse) as con:
        try:
            freeze = freeze_edition(con, quarter, publication_rules(settings))
        except DisclosureError as refused:
            if refused.report is not None:  # the operator sees which cell failed, then the run fails
                write_audit(settings.audit_dir, quarter, 0, refused.report)
                publish_audit(quarter, 0, refused.report)
            raise
        cells: list[BenchmarkCell | RoiCell] = [
            *read_benchmark(con, freeze.edition),
            *read_roi(con, freeze.edition),
        ]
    edition = freeze.edition
    kept_at = audit_path(settings.audit_dir, quarter, edition.number)
    if freeze.created or not kept_at.exists():  # nothing new: the edition's audit is already there
        kept_at = write_audit(settings.audit_dir, quarter, edition.number, freeze.audit)
        publish_audit(quarter, edition.number, freeze.audit)
    return QuarterSummary(
        quarter=quarter,
        edition=edition.number,
        created=freeze.created,
        previous_edition=freeze.previous.number if freeze.previous else None,
        as_of=edition.as_of,
        submissions=edition.n_submissions,
        establishments=edition.n_establishments,
        experimentations=edition.n_experimentations,
        cells=len(cells),
        withheld=sum(1 for cell in cells if cell.withheld),
        withheld_secondary=sum(1 for cell in cells if cell.withheld_reason == SECONDARY_REASON),
        audit_path=str(kept_at),
    )


def publish_audit(quarter: str, edition: int, audit: AuditReport) -> None:
    """The disclosure audit of the edition as a Prefect artifact (operators only, never on the site)."""
    lines = [
        f"# Disclosure audit of {quarter}, edition {edition}",
        "",
        f"- linked tables audited: {audit.tables}",
        f"- withheld figures checked (min and max by HiGHS): {audit.figures_checked}",
        f"- protection level: ±{audit.level:.0%}",
        f"- tables keeping an earlier edition's figures: {', '.join(audit.held_tables) or 'none'}",
        f"- result: {'passed' if not audit.failures else 'FAILED'}",
        *(f"  - {failure}" for failure in audit.failures),
    ]
    create_markdown_artifact(
        "\n".join(lines), key=f"audit-{quarter.lower()}", description=f"Disclosure audit of {quarter}"
    )
