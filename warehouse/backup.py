"""Back up the warehouse with DuckDB's EXPORT DATABASE (Parquet files + schema) and restore it."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from tlkpi.errors import WarehouseError
from warehouse.db import connect


def _literal(path: Path) -> str:
    """EXPORT/IMPORT take a string literal, not a parameter; the path is the operator's, quoted."""
    return "'" + str(path).replace("'", "''") + "'"


def backup_warehouse(warehouse_path: Path, destination: Path) -> Path:
    """Export every table (with sequences and views) into an empty or new folder."""
    if destination.exists() and any(destination.iterdir()):
        raise WarehouseError(f"{destination}: not empty; back up into a new folder")
    con = connect(warehouse_path, read_only=True)
    try:
        con.execute(f"EXPORT DATABASE {_literal(destination.resolve())} (FORMAT parquet)")
    finally:
        con.close()
    return destination


def _create_schema(con: duckdb.DuckDBPyConnection, schema_sql: str) -> None:
    """Run the exported DDL; views come out in alphabetical order, so retry those whose base is missing."""
    pending = [statement for statement in schema_sql.split(";\n") if statement.strip()]
    while pending:
        failed = []
        for statement in pending:
            try:
                con.execute(statement)
            except duckdb.CatalogException:
                failed.append(statement)
        if len(failed) == len(pending):
            raise WarehouseError(f"backup schema cannot be replayed: {failed[0][:120]}")
        pending = failed


def restore_warehouse(source: Path, warehouse_path: Path) -> Path:
    """Rebuild the warehouse from a backup in a new file, then put it in place; never overwrite one.

    DuckDB's IMPORT DATABASE replays views alphabetically (a view on a later view fails) and reads
    the absolute paths written at export time; replaying the DDL with retries and loading the
    Parquet files found in `source` works for a backup that was moved.
    """
    schema = source / "schema.sql"
    if not schema.exists():
        raise WarehouseError(f"{source}: not a backup made by `tlkpi backup` (no schema.sql)")
    if warehouse_path.exists():
        raise WarehouseError(f"{warehouse_path}: a warehouse is already there; move it away first")
    staging = warehouse_path.with_name(f".{warehouse_path.name}.restoring")
    staging.unlink(missing_ok=True)
    con = connect(staging)  # a staging file: a failed restore leaves no half-written warehouse
    try:
        _create_schema(con, schema.read_text(encoding="utf-8"))
        for table in sorted(source.glob("*.parquet")):
            con.execute(f'COPY "{table.stem}" FROM {_literal(table.resolve())} (FORMAT parquet)')
    except BaseException:
        con.close()
        staging.unlink(missing_ok=True)
        staging.with_name(f"{staging.name}.wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staging, warehouse_path)
    return warehouse_path
