"""`tlkpi demo`: the demo programme's history, end to end through Prefect. Registered on the `tlkpi`
app by flows/cli.py (this module does not import it: no cycle)."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli_options import DataRoot, flow_settings
from flows.cli_runs import print_outcomes, print_publication


def demo(
    data_root: DataRoot = None,
    seed: Annotated[int, typer.Option(help="Seed of the demo data generator.")] = 2025,
) -> None:
    """Generate the demo data, ingest it and publish its five quarters in order (2024-T4 to 2025-T4); then
    late files arrive (a correction, a late sender) and the quarters they change get a second edition."""
    settings = flow_settings(data_root, create=True)
    from demo.demo_data import generate_demo, write_late_files
    from flows.in_process import without_heartbeats
    from flows.ingest import ingest as ingest_flow
    from flows.quarter import quarter as quarter_flow

    with without_heartbeats():  # the demo's runs, each in this process
        generated = generate_demo(settings.root, seed=seed)
        typer.echo(
            f"Demo data: {generated.establishments} establishments, {generated.experimentations} "
            f"experimentations, {generated.files_written} files in {settings.inbox_dir}"
        )
        print_outcomes(ingest_flow(str(settings.root)))
        for label in generated.quarters:
            print_publication(quarter_flow(label, str(settings.root)))
        late = write_late_files(settings.root, seed=seed)
        typer.echo(
            f"Late files: {len(late.files)} file(s) for {', '.join(late.quarters)} in {settings.inbox_dir}"
        )
        print_outcomes(ingest_flow(str(settings.root)))
        for label in late.quarters:
            print_publication(quarter_flow(label, str(settings.root)))
    typer.echo(f"Report: {settings.site_dir / generated.latest_quarter / 'index.html'}")
