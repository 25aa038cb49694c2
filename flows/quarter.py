"""Quarterly flow: aggregate the quarter's benchmark, then render and publish its site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from prefect import flow

from flows.ingest import settings_for
from schemas.periods import latest_closed_quarter, parse_quarter
from tasks.aggregate import QuarterSummary, aggregate_quarter
from tasks.artifacts import publish_report_link
from tasks.render import render_site


@dataclass(frozen=True)
class Publication:
    summary: QuarterSummary
    index_path: str


@flow(name="quarter")
def quarter(quarter: str | None = None, data_root: str | None = None) -> Publication:
    """Aggregate and publish `quarter` (2025-T3), by default the last closed one."""
    label = parse_quarter(quarter).label if quarter else latest_closed_quarter(date.today()).label
    settings = settings_for(data_root)
    summary = aggregate_quarter(settings, label)
    index_path = render_site(settings, label)
    publish_report_link(label, index_path, summary.cells, summary.withheld)
    return Publication(summary, index_path)
