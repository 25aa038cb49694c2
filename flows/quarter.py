"""Quarterly flow: freeze the quarter's edition, render its public site and private reports, record artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from prefect import flow

from flows.handoff import summary_key
from schemas import periods
from tasks.aggregate import QuarterSummary, aggregate_quarter
from tasks.artifacts import (
    publish_quarter_summary,
    publish_quarter_tables,
    publish_report_link,
    publish_report_links,
)
from tasks.load import sync_reference
from tasks.logs import run_logger, stage
from tasks.render import check_site, deliver_reports, render_private, render_site
from tlkpi.errors import OperatorError
from tlkpi.settings import settings_for


@dataclass(frozen=True)
class Publication:
    summary: QuarterSummary
    index_path: str
    private_indexes: list[str] = field(default_factory=list)
    unchanged: bool = False  # nothing new and the published folder already right: nothing was written


def closed_quarter(quarter: str | None, today: date) -> str:
    """The quarter to publish (schemas.periods.closed_quarter); a refusal is an operator error."""
    try:
        return periods.closed_quarter(quarter, today)
    except ValueError as exc:
        raise OperatorError(str(exc)) from exc


@flow(name="quarter")
def quarter(quarter: str | None = None, data_root: str | None = None) -> Publication:
    """Aggregate and publish `quarter` (2025-T3), by default the last closed one.

    Run again with nothing new and an intact site, it writes nothing and records no artifact.
    """
    label = closed_quarter(quarter, date.today())
    settings = settings_for(data_root)
    logger = run_logger()
    logger.info("Quarter %s: data root %s", label, settings.root)
    with stage(logger, "reference tables"):
        sync_reference(settings)
    with stage(logger, "aggregation"):
        summary = aggregate_quarter(settings, label)
    index = settings.site_dir / label / "index.html"
    if not summary.created and check_site(settings, label):
        logger.info(
            "Quarter %s: nothing new since edition %s and the site matches its manifest: nothing written",
            label,
            summary.edition,
        )
        return Publication(summary, str(index), unchanged=True)
    with stage(logger, "rendering (site and private reports)"):
        # Independent readers of the frozen edition: rendered side by side, each fills the other's idle CPU.
        site = render_site.submit(settings, label)
        private = render_private.submit(settings, label)
        index_path, private_indexes = site.result(), private.result()
    publish_quarter_tables(settings, label, summary.edition)
    publish_report_link(label, index_path, summary.cells, summary.withheld)
    publish_report_links(label, index_path, private_indexes)
    deliver_reports(settings, label, summary.edition)
    publish_quarter_summary(summary, index_path, summary_key(label))
    logger.info("Quarter %s: edition %s published at %s", label, summary.edition, index_path)
    return Publication(summary, index_path, private_indexes)
