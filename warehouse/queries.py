"""Read-side API of the warehouse: named queries, headline figures, completeness.

The SQL lives in warehouse/sql/*.sql and takes parameters only. The published benchmark is in
disclosure/benchmark.py (computed) and disclosure/editions.py (frozen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from schemas.periods import parse_quarter

QUERIES_DIR = Path(__file__).parent / "sql"


@dataclass(frozen=True)
class QuarterOverview:
    """Headline figures of a quarter: who sent pilot values, and how many values are in effect."""

    quarter: str
    n_establishments: int
    n_experimentations: int
    n_measurements: int


@dataclass(frozen=True)
class Completeness:
    """What one known experimentation sent for a quarter (internal: names establishments)."""

    finess: str
    name: str | None
    use_case: str
    kpis_expected: list[str]
    kpis_sent: list[str]
    kpis_missing: list[str]
    last_received_at: datetime | None
    late: bool
    status: str


@cache
def load_query(name: str) -> str:
    """The text of warehouse/sql/<name>.sql."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def fetch_dicts(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run a named query with parameters; one dict per row, keyed by column name."""
    cursor = con.execute(load_query(name), params or {})
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def quarter_overview(con: duckdb.DuckDBPyConnection, quarter: str) -> QuarterOverview:
    """Establishments, experimentations and measurements of a quarter."""
    (row,) = fetch_dicts(con, "quarter_overview", {"quarter": quarter})
    return QuarterOverview(quarter=quarter, **row)


def available_quarters(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The quarters having pilot data, in order."""
    return [row["quarter"] for row in fetch_dicts(con, "available_quarters")]


def quarter_completeness(
    con: duckdb.DuckDBPyConnection, quarter: str, deadline: datetime
) -> list[Completeness]:
    """Every experimentation known by `quarter`: sent, missing, late (a file after `deadline`)."""
    params = {"quarter": quarter, "deadline": deadline}
    return [Completeness(**row) for row in fetch_dicts(con, "quarter_completeness", params)]


def completeness_counts(con: duckdb.DuckDBPyConnection, quarter: str) -> dict[str, int]:
    """How many experimentations known by `quarter` are complet, partiel or absent, and their total:
    the statuses of quarter_completeness, counted without naming anyone."""
    (row,) = fetch_dicts(con, "completeness_counts", {"quarter": quarter})
    return row


def submission_deadline(quarter: str, grace_days: int) -> datetime:
    """When files for a quarter become late: midnight, `grace_days` days after the quarter closes."""
    return datetime.combine(parse_quarter(quarter).end + timedelta(days=grace_days), time())
