"""Load the reference tables (domains, use cases, KPIs, establishments) from the catalogue."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from schemas.catalogue import Catalogue


def sync_catalogue(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Replace the reference tables by the catalogue, in one transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("kpi_use_case", "kpi", "use_case", "domain"):
            con.execute(f"DELETE FROM {table}")  # table names are constants, not user data
        con.executemany(
            "INSERT INTO domain VALUES (?, ?, ?)",
            [[d.code, d.label, d.description] for d in catalogue.domains.values()],
        )
        con.executemany(
            "INSERT INTO use_case VALUES (?, ?, ?)",
            [[u.code, u.label, u.illustrative] for u in catalogue.use_cases.values()],
        )
        con.executemany(
            "INSERT INTO kpi VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    k.code,
                    k.label,
                    k.definition,
                    k.domain,
                    k.unit,
                    k.kind,
                    k.direction,
                    k.min,
                    k.max,
                    k.threshold,
                ]
                for k in catalogue.kpis.values()
            ],
        )
        con.executemany(
            "INSERT INTO kpi_use_case VALUES (?, ?)",
            [[kpi, uc] for uc, kpi in sorted(catalogue.allowed_pairs())],
        )
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise


def register_establishments(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str, bool]]
) -> None:
    """Upsert (finess, name, category, region, public_name) rows of the establishment register."""
    con.executemany(
        """
        INSERT INTO establishment (finess, name, category, region, public_name)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (finess) DO UPDATE SET
            name = excluded.name, category = excluded.category,
            region = excluded.region, public_name = excluded.public_name
        """,
        [list(row) for row in rows],
    )


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
