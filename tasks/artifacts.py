"""Prefect artifacts: what a run did, readable in the UI."""

from __future__ import annotations

from dataclasses import asdict

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tlkpi.settings import Settings
from tlkpi.submissions import Outcome
from warehouse.benchmark import BenchmarkCell, RoiCell
from warehouse.db import open_warehouse
from warehouse.editions import find_edition, read_benchmark, read_roi
from warehouse.queries import quarter_completeness, submission_deadline


@task(name="publish-verdicts", cache_policy=NO_CACHE)
def publish_verdicts(outcomes: list[Outcome]) -> None:
    """One table row per file: establishment, verdict, rows, issues."""
    rows = [
        {
            k: v
            for k, v in asdict(o).items()
            if k in ("file", "finess", "verdict", "rows", "loaded", "issues", "first_issue")
        }
        for o in outcomes
    ]
    if rows:
        create_table_artifact(rows, key="ingest-verdicts", description="Verdict per submitted file")


@task(name="publish-report-link", cache_policy=NO_CACHE)
def publish_report_link(quarter: str, index_path: str, cells: int, withheld: int) -> None:
    key = f"report-{quarter.lower()}"
    create_markdown_artifact(
        f"# Quarter {quarter}\n\n- benchmark cells: {cells} ({withheld} withheld)\n"
        f"- report: [{index_path}](file://{index_path})\n",
        key=key,
        description=f"Published report of {quarter}",
    )


@task(name="publish-quarter-tables", cache_policy=NO_CACHE)
def publish_quarter_tables(settings: Settings, quarter: str, edition: int) -> None:
    """Completeness per experimentation and the withheld cells of the edition, as table artifacts."""
    deadline = submission_deadline(quarter, settings.quarter_grace_days)
    with open_warehouse(settings.warehouse_path, read_only=True) as con:
        completeness = quarter_completeness(con, quarter, deadline)
        frozen = find_edition(con, quarter, edition)
        cells: list[BenchmarkCell | RoiCell] = (
            [*read_benchmark(con, frozen), *read_roi(con, frozen)] if frozen else []
        )
    slug = quarter.lower()
    rows = [
        {
            "finess": row.finess,
            "name": row.name or "",
            "use_case": row.use_case,
            "status": row.status,
            "late": row.late,
            "sent": len(row.kpis_sent),
            "missing": ", ".join(row.kpis_missing),
            "last_received_at": str(row.last_received_at or ""),
        }
        for row in completeness
    ]
    if rows:
        create_table_artifact(
            rows,
            key=f"completeness-{slug}",
            description=f"Completeness of {quarter} (deadline {deadline:%Y-%m-%d})",
        )
    withheld = [
        {
            "use_case": cell.use_case,
            "kpi": getattr(cell, "kpi", "ROI"),
            "n_establishments": cell.n_establishments,
            "reason": cell.withheld_reason or "",
        }
        for cell in cells
        if cell.withheld
    ]
    if withheld:
        create_table_artifact(
            withheld, key=f"withheld-{slug}", description=f"Withheld cells of {quarter}, edition {edition}"
        )
