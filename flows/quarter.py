"""Quarterly flow: freeze the quarter's edition, render its public site and private reports, record artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from prefect import flow

from flows.ingest import settings_for
from schemas.periods import latest_closed_quarter, parse_quarter
from tasks.aggregate import QuarterSummary, aggregate_quarter
from tasks.artifacts import publish_quarter_tables, publish_report_link, publish_report_links
from tasks.load import sync_reference
from tasks.render import deliver_reports, render_private, render_site


@dataclass(frozen=True)
class Publication:
    summary: QuarterSummary
    index_path: str
    private_indexes: list[str] = field(default_factory=list)


@flow(name="quarter")
def quarter(quarter: str | None = None, data_root: str | None = None) -> Publication:
    """Aggregate and publish `quarter` (2025-T3), by default the last closed one.

    Run again with nothing new, it keeps the latest edition and re-renders identical files.
    """
    label = parse_quarter(quarter).label if quarter else latest_closed_quarter(date.today()).label
    settings = settings_for(data_root)
    sync_reference(settings)
    summary = aggregate_quarter(settings, label)
    # Independent readers of the frozen edition: rendered side by side, each fills the other's idle CPU.
    site = render_site.submit(settings, label)
    private = render_private.submit(settings, label)
    index_path, private_indexes = site.result(), private.result()
    publish_quarter_tables(settings, label, summary.edition)
    publish_report_link(label, index_path, summary.cells, summary.withheld)
    publish_report_links(label, index_path, private_indexes)
    deliver_reports(settings, label, summary.edition)
    return Publication(summary, index_path, private_indexes)
