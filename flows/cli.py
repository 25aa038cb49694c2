"""The `tlkpi` command line: a thin layer over the flows and the pure checks.

Prefect and Great Expectations are imported inside the commands that need them, so `--help` and
simple commands start fast.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from tlkpi.settings import Settings, configure_runtime_env

app = typer.Typer(
    help="tlkpi: KPI files of the tiers-lieux d'expérimentation -> validated warehouse -> published benchmarks.",
    no_args_is_help=True,
    add_completion=False,
)

DataRoot = Annotated[
    Path | None,
    typer.Option(
        "--data-root", help="Data root (inbox, archive, warehouse, site). Default: $TLKPI_DATA_ROOT or ./var."
    ),
]


def _settings(data_root: Path | None) -> Settings:
    settings = Settings(data_root=data_root) if data_root else Settings()
    configure_runtime_env(settings)
    return settings


def _print_outcomes(outcomes: list) -> None:
    counts = {
        verdict: sum(1 for o in outcomes if o.verdict == verdict)
        for verdict in ("accepted", "rejected", "duplicate")
    }
    loaded = sum(o.loaded for o in outcomes)
    for o in outcomes:
        if o.verdict == "rejected":
            typer.echo(f"  rejected  {o.file}: {o.issues} issue(s), first: {o.first_issue}")
    typer.echo(
        f"Ingest: {len(outcomes)} file(s): {counts['accepted']} accepted, {counts['rejected']} rejected, "
        f"{counts['duplicate']} duplicate(s); {loaded} measurement(s) loaded."
    )


@app.command()
def ingest(data_root: DataRoot = None) -> None:
    """Process every file waiting in the inbox once (claim, read, validate, load or reject)."""
    settings = _settings(data_root)
    from flows.ingest import ingest as ingest_flow

    _print_outcomes(ingest_flow(str(settings.root)))


@app.command()
def quarter(
    quarter: Annotated[str, typer.Argument(help="Quarter to publish, e.g. 2025-T3.")],
    data_root: DataRoot = None,
) -> None:
    """Aggregate a quarter and publish its HTML report under <data root>/site/<quarter>/."""
    from schemas.periods import parse_quarter

    try:
        label = parse_quarter(quarter).label
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    settings = _settings(data_root)
    from flows.quarter import quarter as quarter_flow

    publication = quarter_flow(label, str(settings.root))
    summary = publication.summary
    typer.echo(
        f"Quarter {label} published: {summary.establishments} establishment(s), {summary.experimentations} "
        f"experimentation(s), {summary.cells} benchmark cell(s) ({summary.withheld} withheld)."
    )
    typer.echo(f"Report: {publication.index_path}")


@app.command()
def demo(
    data_root: DataRoot = None,
    seed: Annotated[int, typer.Option(help="Seed of the demo data generator.")] = 2025,
) -> None:
    """Generate the demo data, ingest it and publish its latest quarter, end to end through Prefect."""
    settings = _settings(data_root)
    from flows.ingest import ingest as ingest_flow
    from flows.quarter import quarter as quarter_flow
    from tlkpi.demo_data import generate_demo

    generated = generate_demo(settings.root, seed=seed)
    typer.echo(
        f"Demo data: {generated.establishments} establishments, {generated.experimentations} "
        f"experimentations, {generated.files_written} files in {settings.inbox_dir}"
    )
    _print_outcomes(ingest_flow(str(settings.root)))
    publication = quarter_flow(generated.latest_quarter, str(settings.root))
    summary = publication.summary
    typer.echo(
        f"Quarter {summary.quarter} published: {summary.experimentations} experimentation(s) in "
        f"{summary.establishments} establishment(s), {summary.cells} benchmark cell(s), {summary.withheld} withheld."
    )
    typer.echo(f"Report: {publication.index_path}")


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The KPI file to check (CSV, XLSX or Parquet).")],
    finess: Annotated[str | None, typer.Option(help="FINESS of the establishment sending the file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the issues as JSON.")] = False,
) -> None:
    """Check a file offline, as the pipeline would, without touching the warehouse or the inbox.

    Exit code 0: acceptable; 1: rejected (every issue is printed); 2: usage error or missing file.
    """
    if not file.is_file():
        typer.echo(f"Fichier introuvable : {file}", err=True)
        raise typer.Exit(2)
    configure_runtime_env(Settings())
    from schemas.catalogue import default_catalogue
    from schemas.messages import Issue
    from schemas.validation import validate_table
    from tlkpi.errors import SubmissionError
    from tlkpi.reading import read_submission

    try:
        issues = list(
            validate_table(
                read_submission(file), default_catalogue(), today=date.today(), inbox_finess=finess
            ).issues
        )
    except SubmissionError as exc:
        issues = [Issue(exc.rule, exc.message, exc.row, exc.column)]
    errors = [issue for issue in issues if issue.severity == "error"]
    if as_json:
        typer.echo(
            json.dumps(
                {"accepted": not errors, "issues": [asdict(i) for i in issues]}, ensure_ascii=False, indent=2
            )
        )
    else:
        for issue in issues:
            kind = "ERREUR" if issue.severity == "error" else "avertissement"
            typer.echo(
                f"{kind} ligne {issue.row or '-'}, colonne {issue.column or '-'} [{issue.rule}] : {issue.message}"
            )
        typer.echo(f"{file.name} : {'refusé' if errors else 'acceptable'} ({len(errors)} erreur(s)).")
    raise typer.Exit(1 if errors else 0)


if __name__ == "__main__":
    app()
