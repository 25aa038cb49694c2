"""`tlkpi migrate-warehouse`: move the warehouse from the DuckDB file to a DuckLake (see README's
scale-out section). Registered on the `tlkpi` app by flows/cli.py (which this module does not import)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from flows.cli_options import DataRoot, command_settings, operator_errors
from tlkpi.settings import Lake


class Target(StrEnum):
    ducklake = "ducklake"


def migrate_warehouse(
    to: Annotated[Target, typer.Option("--to", help="The backend to copy the file warehouse into.")],
    catalog: Annotated[
        str | None,
        typer.Option(
            help="libpq connection string of the lake's PostgreSQL database. Default: $TLKPI_LAKE_CATALOG."
        ),
    ] = None,
    data_path: Annotated[
        str | None,
        typer.Option(help="Folder or s3:// prefix of the lake's data files. Default: $TLKPI_LAKE_DATA_PATH."),
    ] = None,
    data_root: DataRoot = None,
) -> None:
    """Copy the DuckDB file warehouse into an empty DuckLake, verified by row counts and checksums.

    The file is only read. Once copied, set TLKPI_WAREHOUSE_BACKEND=ducklake (with the same catalogue
    and data path) for every worker and reader.
    """
    settings = command_settings(data_root)
    lake = Lake(
        catalog or settings.lake_catalog,
        data_path or settings.lake_data_folder,
    )
    if not lake.catalog:
        typer.echo("error: give --catalog or set TLKPI_LAKE_CATALOG (a libpq connection string)", err=True)
        raise typer.Exit(2)
    from warehouse.to_lake import copy_to_lake

    with operator_errors():
        checks = copy_to_lake(settings.warehouse_path, lake)
    for check in checks:
        typer.echo(f"{check.table:<24} {check.rows:>10} rows  checksum {check.checksum}  identical")
    typer.echo(
        f"Warehouse {settings.warehouse_path} copied into the lake ({to.value}, data in {lake.data_path})."
    )
    typer.echo("Next: set TLKPI_WAREHOUSE_BACKEND=ducklake, TLKPI_LAKE_CATALOG and TLKPI_LAKE_DATA_PATH.")
