"""Prefect artifacts: what a run did, readable in the UI."""

from __future__ import annotations

from dataclasses import asdict

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tlkpi.submissions import Outcome


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
