"""The `tlkpi` command line: a thin layer over the flows and the pure checks.

Prefect and Great Expectations are imported inside the commands that need them, so `--help` and
simple commands start fast.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import typer

from flows.cli_demo import demo
from flows.cli_lake import migrate_warehouse
from flows.cli_options import Create, DataRoot, operator_errors, refuse_unreadable_warehouse
from flows.cli_options import command_settings as _settings
from flows.cli_options import flow_settings as _flow_settings
from flows.cli_runs import hand_over, print_outcomes, print_publication, served_api, served_publication
from flows.portal_cli import access_app
from flows.portal_cli import portal as portal_command
from tlkpi.runtime_env import configure_runtime_env
from tlkpi.settings import Settings

app = typer.Typer(
    help="tlkpi: KPI files of the tiers-lieux d'expérimentation -> validated warehouse -> published benchmarks.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def ingest(data_root: DataRoot = None, create: Create = False) -> None:
    """Process every file waiting in the inbox once (claim, read, validate, load or reject).

    While `tlkpi serve` runs, the run is handed to its `ingest/inbox` deployment and its summary printed.
    """
    settings = _settings(data_root, create)
    from intake.dropzone import nothing_waiting

    if nothing_waiting(settings.inbox_dir, settings.processing_dir):
        print_outcomes([])  # nothing to claim and no claim to put back: no flow to start
        return
    api = served_api()
    served = hand_over(api, "ingest/inbox", {"data_root": str(settings.root)}) if api else None
    if served is not None:
        print_outcomes([SimpleNamespace(**row) for row in served.tables.get("ingest-verdicts", [])])
        return
    refuse_unreadable_warehouse(settings)
    _flow_settings(data_root, create=True)
    from flows.in_process import without_heartbeats
    from flows.ingest import ingest as ingest_flow
    from flows.stopping import stops_fail_the_run

    with stops_fail_the_run(settings), without_heartbeats():
        outcomes = ingest_flow(str(settings.root))
    print_outcomes(outcomes)


@app.command()
def quarter(
    quarter: Annotated[str, typer.Argument(help="Quarter to publish, e.g. 2025-T3.")],
    data_root: DataRoot = None,
    create: Create = False,
    edition: Annotated[
        int | None,
        typer.Option(
            help="Re-render this earlier edition into site/<quarter>/editions/<n>/ instead of publishing."
        ),
    ] = None,
) -> None:
    """Aggregate a closed quarter and publish its HTML report and open data under <data root>/site/<quarter>/.

    A quarter that has not ended is refused (exit code 2). A new edition is frozen only when files or
    results changed since the last one; otherwise the command says so in one line and writes nothing.
    While `tlkpi serve` runs, the run is handed to its `quarter/quarter` deployment.
    """
    settings = _settings(data_root, create)
    if edition is not None:
        _render_edition(settings, _closed_quarter(quarter), edition)
        return
    label = _closed_quarter(quarter)

    if _print_unchanged(settings, label):
        return
    from flows.handoff import summary_key

    api = served_api()
    served = (
        hand_over(api, "quarter/quarter", {"quarter": label, "data_root": str(settings.root)})
        if api
        else None
    )
    if served is not None:
        rows = served.tables.get(summary_key(label))
        if not rows:  # the run found nothing new and wrote nothing (no artifact either)
            if not _print_unchanged(settings, label):
                typer.echo(f"Quarter {label}: run {served.name} published nothing new (see {served.url})")
            return
        print_publication(served_publication(rows[0]))
        typer.echo(f"Report: {rows[0]['index_path']}")
        return
    refuse_unreadable_warehouse(settings)
    _flow_settings(data_root, create=True)
    from flows.in_process import without_heartbeats
    from flows.quarter import quarter as quarter_flow

    with without_heartbeats():
        publication = quarter_flow(label, str(settings.root))
    print_publication(publication)
    typer.echo(f"Report: {publication.index_path}")


def _print_unchanged(settings: Settings, label: str) -> bool:
    """Say so in one line when publishing the quarter would change nothing (read-only, no flow)."""
    from reports.site.unchanged import unchanged_publication

    unchanged = unchanged_publication(settings, label)
    if unchanged is None:
        return False
    as_of = f"as of {unchanged.as_of:%Y-%m-%d %H:%M}" if unchanged.as_of else "no data"
    typer.echo(
        f"Quarter {label}: nothing new since edition {unchanged.number} ({as_of}); published files "
        f"unchanged: {settings.site_dir / label / 'index.html'}"
    )
    return True


def _closed_quarter(text: str) -> str:
    """The quarter asked for, once ended; otherwise a one-line refusal (exit code 2)."""
    from schemas.periods import QuarterNotClosed, closed_quarter

    try:
        return closed_quarter(text, date.today())
    except QuarterNotClosed as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _render_edition(settings: Settings, label: str, number: int) -> None:
    from reports.site.writer import render_quarter_site

    with operator_errors():
        index = render_quarter_site(settings.warehouse, label, settings.site_dir, settings, number)
    typer.echo(f"Quarter {label}, edition {number} re-rendered: {index}")


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
    settings = Settings()
    configure_runtime_env(settings)
    from portal.checking import check_file
    from schemas.bounds import CheckLimits
    from schemas.reading import Limits

    issues = check_file(file, finess, Limits.of(settings), CheckLimits.of(settings)).issues
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


class TemplateFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


@app.command()
def template(
    use_case: Annotated[
        str | None,
        typer.Option(
            "--use-case", help="List the KPIs of this use case on the « À lire » sheet (e.g. UC05)."
        ),
    ] = None,
    file_format: Annotated[
        TemplateFormat, typer.Option("--format", help="xlsx (drop-down lists) or csv.")
    ] = TemplateFormat.xlsx,
    output: Annotated[
        Path | None, typer.Option(help="Where to write it. Default: modele_indicateurs[_UCxx].<format>")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
) -> None:
    """Write the ready-to-fill KPI file, with the French column labels of the contract.

    An existing file (perhaps already filled) is never overwritten without --force.
    """
    from schemas.catalogue import default_catalogue
    from schemas.template import write_template_csv, write_template_xlsx

    catalogue = default_catalogue()
    if use_case is not None and use_case not in catalogue.use_cases:
        typer.echo(
            f"Cas d'usage inconnu : {use_case}. Codes possibles : {', '.join(catalogue.use_cases)}", err=True
        )
        raise typer.Exit(2)
    target = output or Path(f"modele_indicateurs{'_' + use_case if use_case else ''}.{file_format.value}")
    if target.exists() and not force:
        typer.echo(
            f"{target} existe déjà (peut-être déjà rempli) : choisissez --output ou ajoutez --force.",
            err=True,
        )
        raise typer.Exit(2)
    if file_format is TemplateFormat.csv:
        target.write_bytes(write_template_csv(catalogue, use_case))
    else:
        write_template_xlsx(target, catalogue, use_case)
    typer.echo(f"Modèle écrit : {target}")


class HeaderStyle(StrEnum):
    labels = "labels"
    names = "names"
    aliases = "aliases"


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(help="Write the JSON there instead of printing it.")] = None,
    headers: Annotated[
        HeaderStyle,
        typer.Option(
            help="Header style of the files to validate: labels (the template's, decimal comma), names or "
            "aliases (decimal point)."
        ),
    ] = HeaderStyle.labels,
) -> None:
    """Print the file contract as a Table Schema JSON (the format of schema.data.gouv.fr).

    Validate a file with `frictionless validate --schema-sync --schema SCHEMA.json FILE`.
    """
    from schemas.catalogue import default_catalogue
    from schemas.table_schema import table_schema

    text = json.dumps(table_schema(default_catalogue(), headers.value), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Table Schema écrit : {output}")


@app.command()
def status(data_root: DataRoot = None) -> None:
    """Show pending inbox files, the last ingest runs and the completeness of the open quarter."""
    settings = _settings(data_root)
    from intake.status import format_status, read_status

    for line in format_status(read_status(settings, date.today()), settings.inbox_dir):
        typer.echo(line)


@app.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="A new or empty folder for the backup.")],
    data_root: DataRoot = None,
) -> None:
    """Back up the warehouse (DuckDB EXPORT DATABASE, Parquet) into DESTINATION."""
    settings = _settings(data_root)
    from warehouse.backup import backup_warehouse

    with operator_errors():
        backup_warehouse(settings.warehouse_path, destination)
    typer.echo(f"Warehouse {settings.warehouse_path} backed up to {destination}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A folder written by `tlkpi backup`.")],
    data_root: DataRoot = None,
    create: Create = False,
) -> None:
    """Restore the warehouse from a backup (DuckDB IMPORT DATABASE); refuses to overwrite one."""
    settings = _settings(data_root, create)
    from warehouse.backup import restore_warehouse

    with operator_errors():
        restore_warehouse(source, settings.warehouse_path)
    typer.echo(f"Warehouse restored from {source} to {settings.warehouse_path}")


@app.command()
def serve(
    data_root: DataRoot = None,
    interval: Annotated[
        float | None,
        typer.Option(min=5, help="Seconds between inbox polls (default: prefect.yaml's interval)."),
    ] = None,
    create: Create = False,
) -> None:
    """Run every deployment of prefect.yaml in this process, on its schedule, until Ctrl-C or SIGTERM.

    Without PREFECT_API_URL it starts a Prefect server with its UI on 127.0.0.1:4200
    (TLKPI_SERVER_PORT) and prints the UI's address.
    """
    settings = _settings(data_root, create)
    from flows.server_logging import quiet_server_shutdown

    quiet_server_shutdown(Path(os.environ["PREFECT_HOME"]))  # its Prefect server stops quietly too
    from flows.serve import serve_all
    from tasks.logs import quiet_console_tracebacks

    quiet_console_tracebacks()
    serve_all(settings, interval=interval)


app.command()(portal_command)
app.add_typer(access_app, name="access")


# Commands that leave nothing to clean up (no child process, server, lock or file open): their process
# ends as soon as its answer is out. Tearing down the interpreter after `check` (freeing every module of
# GE, pandas and scipy) would add 10-15 % to the command for nothing a user sees.
ENDS_WITHOUT_TEARDOWN = frozenset({"check"})


def main() -> None:
    """The `tlkpi` entry point: operator errors (warehouse state, locks) end in one line, not a traceback."""
    try:
        try:
            with operator_errors():
                app()
        except typer.Exit as exc:
            raise SystemExit(exc.exit_code) from exc
    except SystemExit as exc:
        if sys.argv[1:2] and sys.argv[1] in ENDS_WITHOUT_TEARDOWN and isinstance(exc.code, int | None):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(exc.code or 0)
        raise


app.command("migrate-warehouse")(migrate_warehouse)
app.command("demo")(demo)

if __name__ == "__main__":
    main()
