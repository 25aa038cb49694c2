"""How `tlkpi ingest` and `tlkpi quarter` run their flow, here or handed to `tlkpi serve`, and the
summaries they print either way. Light: httpx and typer only, no Prefect, no Great Expectations."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import typer


def served_api() -> str | None:
    """The API of the server `tlkpi serve` runs for this project, when one answers (and no
    PREFECT_API_URL says otherwise): commands then hand their runs to its deployments."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    from flows.local_api import running_server

    return running_server(Path(os.environ["PREFECT_HOME"]))


def hand_over(api: str, deployment: str, parameters: dict[str, Any]) -> Any:
    """Run a served deployment and wait for it; None when `tlkpi serve` does not serve it."""
    from flows.handoff import api_client, served_deployment, start_run, wait_for_run

    with api_client(api) as client:
        deployment_id = served_deployment(client, deployment)
        if deployment_id is None:
            return None
        run = start_run(client, deployment_id, parameters)
        typer.echo(
            f"Run {run['name']} handed to `tlkpi serve`: View at {api.removesuffix('/api')}/runs/flow-run/{run['id']}",
            err=True,
        )
        done = wait_for_run(client, run)
    if not done.completed:
        typer.echo(f"error: run {done.name} ended {done.state}: {done.message} (see {done.url})", err=True)
        raise typer.Exit(2)
    return done


def print_outcomes(outcomes: list) -> None:
    counts = {
        verdict: sum(1 for o in outcomes if o.verdict == verdict)
        for verdict in ("accepted", "rejected", "quarantined", "duplicate")
    }
    loaded = sum(o.loaded for o in outcomes)
    for o in outcomes:
        if o.verdict in ("rejected", "quarantined"):
            typer.echo(f"  {o.verdict}  {o.file}: {o.issues} issue(s), first: {o.first_issue}")
    typer.echo(
        f"Ingest: {len(outcomes)} file(s): {counts['accepted']} accepted, {counts['rejected']} rejected, "
        f"{counts['duplicate']} duplicate(s); {loaded} measurement(s) loaded."
        + (f" {counts['quarantined']} file(s) in quarantine (see the log)." if counts["quarantined"] else "")
    )


def served_publication(row: dict[str, Any]) -> SimpleNamespace:
    """A served run's summary row, shaped as the flow's Publication for `_print_publication`."""
    summary = SimpleNamespace(
        **{**row, "as_of": datetime.fromisoformat(row["as_of"]) if row["as_of"] else None}
    )
    return SimpleNamespace(summary=summary, unchanged=False, index_path=row["index_path"])


def print_publication(publication: Any) -> None:
    summary = publication.summary
    as_of = f"as of {summary.as_of:%Y-%m-%d %H:%M}" if summary.as_of else "no data"
    if summary.created:
        previous = f", replacing edition {summary.previous_edition}" if summary.previous_edition else ""
        typer.echo(f"Quarter {summary.quarter}: edition {summary.edition} published ({as_of}{previous}).")
    elif publication.unchanged:
        typer.echo(
            f"Quarter {summary.quarter}: nothing new since edition {summary.edition} ({as_of}); "
            "published files unchanged."
        )
    else:
        typer.echo(
            f"Quarter {summary.quarter}: nothing new since edition {summary.edition} ({as_of}); its site "
            "was rewritten whole (the files did not match the manifest, or the code changed)."
        )
    typer.echo(
        f"  {summary.submissions} file(s), {summary.establishments} establishment(s), "
        f"{summary.experimentations} experimentation(s); {summary.cells} published row(s), "
        f"{summary.withheld} withheld ({summary.withheld_secondary} to protect another cell)."
    )
    typer.echo(f"  Disclosure audit: {summary.audit_path}")
