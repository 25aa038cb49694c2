"""Copy a DuckDB file warehouse into an empty DuckLake, verified table by table.

The lake gets its schema from the same migrations, then every table's rows in one transaction, which
commits only when each table has the file's row count and checksum (an order-independent sum of the
hashes of its rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from tlkpi.errors import WarehouseError
from tlkpi.settings import Lake
from warehouse.db import check_up_to_date, connect, open_warehouse, write_transaction
from warehouse.dialect import LAKE_ALIAS

SOURCE_ALIAS = "source"
_TABLES = """
SELECT table_name FROM duckdb_tables()
WHERE database_name = ? AND schema_name = 'main' AND table_name <> 'schema_migration'
ORDER BY table_name
"""


@dataclass(frozen=True)
class TableCheck:
    """One copied table: its rows and checksum, as read in the file and in the lake."""

    table: str
    rows: int
    checksum: int


def copy_to_lake(source: Path, lake: Lake) -> list[TableCheck]:
    """Copy every table of the file warehouse into the (new or empty) lake; return what was verified."""
    if not source.exists():
        raise WarehouseError(f"{source}: no file warehouse to copy")
    with connect(source, read_only=True) as file_con:
        check_up_to_date(file_con)
    with open_warehouse(lake) as con:
        _refuse_a_used_lake(con)
        con.execute(f"ATTACH {_literal(str(source))} AS {SOURCE_ALIAS} (READ_ONLY)")
        tables = [row[0] for row in con.execute(_TABLES, [SOURCE_ALIAS]).fetchall()]
        return write_transaction(con, lambda: _copy_and_verify(con, tables))


def _refuse_a_used_lake(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT count(*) FROM submission").fetchone()
    if row and row[0]:
        raise WarehouseError(
            "the lake already holds submissions: copy a file warehouse into an empty lake only"
        )


def _copy_and_verify(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[TableCheck]:
    checks = []
    for table in tables:  # names read from the source's catalogue, quoted as identifiers
        target, origin = f'{LAKE_ALIAS}.main."{table}"', f'{SOURCE_ALIAS}.main."{table}"'
        con.execute(f"DELETE FROM {target}")  # the rows the lake's own migrations seeded (id_block)
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM {origin}")
        expected, copied = _fingerprint(con, origin), _fingerprint(con, target)
        if copied != expected:
            raise WarehouseError(
                f"table {table}: the lake has {copied[0]} rows (checksum {copied[1]}), the file "
                f"{expected[0]} (checksum {expected[1]}); nothing was committed"
            )
        checks.append(TableCheck(table, *expected))
    return checks


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int]:
    row = con.execute(f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {table} AS t").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
