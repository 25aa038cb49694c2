"""Prefect artifacts: what a run did, readable in the UI."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from disclosure.benchmark import BenchmarkCell, RoiCell
from disclosure.editions import find_edition, read_benchmark, read_roi
from intake.folder_faults import read_faults
from intake.submissions import Outcome
from tasks.aggregate import QuarterSummary
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
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


@task(name="publish-quarter-summary", cache_policy=NO_CACHE)
def publish_quarter_summary(summary: QuarterSummary, index_path: str, key: str) -> None:
    """What the run published, in one row: the command that handed the run over prints it."""
    row = {**asdict(summary), "index_path": index_path}
    row["as_of"] = summary.as_of.isoformat() if summary.as_of else None
    create_table_artifact([row], key=key, description=f"What the run published for {summary.quarter}")


@task(name="publish-folder-faults", cache_policy=NO_CACHE)
def publish_folder_faults(settings: Settings) -> int:
    """One table row per establishment folder that could not be listed, emptied or written."""
    rows = [asdict(fault) for fault in read_faults(settings.inbox_dir)]
    if rows:
        create_table_artifact(
            rows, key="ingest-folder-faults", description="Establishment folders the run could not use"
        )
    return len(rows)


@task(name="publish-report-link", cache_policy=NO_CACHE)
def publish_report_link(quarter: str, index_path: str, cells: int, withheld: int) -> None:
    key = f"report-{quarter.lower()}"
    create_markdown_artifact(
        f"# Quarter {quarter}\n\n- benchmark cells: {cells} ({withheld} withheld)\n"
        f"- report: [{index_path}](file://{index_path})\n",
        key=key,
        description=f"Published report of {quarter}",
    )


@task(name="publish-report-links", cache_policy=NO_CACHE)
def publish_report_links(quarter: str, index_path: str, private_indexes: list[str]) -> None:
    """Link artifacts to the public pages, the manifest and the private reports folder of the quarter."""
    site = Path(index_path).parent
    slug = quarter.lower()
    pages = {
        "site": ("index.html", f"Public report of {quarter}"),
        "methodology": ("methodologie.html", f"Methodology page of {quarter}"),
        "open-data": ("donnees.html", f"Open-data page of {quarter}"),
        "manifest": ("manifest.json", f"Manifest of the published edition of {quarter}"),
    }
    for name, (file_name, description) in pages.items():
        target = site / file_name
        create_link_artifact(
            target.as_uri(), link_text=file_name, key=f"{name}-{slug}", description=description
        )
    if private_indexes:
        folder = Path(private_indexes[0]).parent.parent
        create_link_artifact(
            folder.as_uri(),
            link_text=f"{len(private_indexes)} private reports",
            key=f"private-{slug}",
            description=f"Private reports of {quarter}, one folder per establishment (not public)",
        )


@task(name="publish-quarter-tables", cache_policy=NO_CACHE)
def publish_quarter_tables(settings: Settings, quarter: str, edition: int) -> None:
    """Completeness per experimentation and the withheld cells of the edition, as table artifacts."""
    deadline = submission_deadline(quarter, settings.quarter_grace_days)
    with open_warehouse(settings.warehouse, read_only=True) as con:
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
    else:
        create_markdown_artifact(
            f"No experimentation expected in {quarter} (none running by the programme's calendar).",
            key=f"completeness-{slug}",
            description=f"Completeness of {quarter}",
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
