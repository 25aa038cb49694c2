"""Load the reference tables (domains, use cases, KPIs, establishments) from the catalogue."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from schemas.catalogue import Catalogue
from warehouse.db import write_transaction

_REFERENCE_TABLES = ("domain", "use_case", "kpi", "kpi_use_case")


def catalogue_rows(catalogue: Catalogue) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each reference table, as the catalogue says they are."""
    return {
        "domain": [(d.code, d.label, d.description) for d in catalogue.domains.values()],
        "use_case": [(u.code, u.label, u.illustrative) for u in catalogue.use_cases.values()],
        "kpi": [
            (k.code, k.label, k.definition, k.domain, k.unit, k.kind, k.direction, k.min, k.max, k.threshold)
            for k in catalogue.kpis.values()
        ],
        "kpi_use_case": [(kpi, uc) for uc, kpi in sorted(catalogue.allowed_pairs())],
    }


def sync_catalogue(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> bool:
    """Replace the reference tables by the catalogue, in one transaction, when they differ from it.

    An unchanged catalogue writes nothing: concurrent ingest workers on a lake do not conflict on it.
    Returns whether the tables were rewritten.
    """
    wanted = catalogue_rows(catalogue)
    if all(_table_rows(con, table) == sorted(rows) for table, rows in wanted.items()):
        return False

    def replace() -> None:
        for table in reversed(_REFERENCE_TABLES):
            con.execute(f"DELETE FROM {table}")  # table names are constants, not user data
        for table in _REFERENCE_TABLES:
            if wanted[table]:
                marks = ", ".join("?" * len(wanted[table][0]))
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", [list(r) for r in wanted[table]])

    write_transaction(con, replace)
    return True


def _table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[Any, ...]]:
    return sorted(con.execute(f"SELECT * FROM {table}").fetchall())  # a constant table name


# Without ON CONFLICT (a lake has no unique key); rows that did not change are not rewritten.
_UPDATE_REGISTERED = """
UPDATE establishment AS e
SET name = r.name, category = r.category, region = r.region, public_name = r.public_name
FROM register_rows AS r
WHERE e.finess = r.finess AND (e.name IS DISTINCT FROM r.name OR e.category IS DISTINCT FROM r.category
    OR e.region IS DISTINCT FROM r.region OR e.public_name IS DISTINCT FROM r.public_name)
"""
_INSERT_REGISTERED = """
INSERT INTO establishment (finess, name, category, region, public_name)
SELECT r.finess, r.name, r.category, r.region, r.public_name FROM register_rows AS r
WHERE NOT EXISTS (SELECT 1 FROM establishment AS e WHERE e.finess = r.finess)
"""


def register_establishments(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str, bool]]
) -> None:
    """Upsert (finess, name, category, region, public_name) rows of the establishment register."""
    if not rows:
        return
    columns = ("finess", "name", "category", "region", "public_name")
    register = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    con.register("register_rows", register)
    try:
        write_transaction(con, lambda: [con.execute(sql) for sql in (_UPDATE_REGISTERED, _INSERT_REGISTERED)])
    finally:
        con.unregister("register_rows")


def register_establishments_file(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Load the establishment register CSV when present; return how many rows it had."""
    if not path.exists():
        return 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            (r["finess"], r["name"], r["category"], r["region"], r.get("public_name", "").lower() == "true")
            for r in csv.DictReader(handle)
        ]
    register_establishments(con, rows)
    return len(rows)
