"""Read-side API of the warehouse: the quarter benchmark with disclosure control, and headline figures.

The SQL lives in warehouse/sql/*.sql and takes parameters only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

QUERIES_DIR = Path(__file__).parent / "sql"
# Fields emptied when a cell is withheld: what would let a reader recover a small group's values.
STATISTIC_FIELDS = (
    "baseline_median",
    "pilot_median",
    "pilot_p25",
    "pilot_p75",
    "pooled_rate",
    "share_improved",
    "threshold_met",
)


@dataclass(frozen=True)
class BenchmarkCell:
    """One (quarter, use case, domain, KPI) row of mart_kpi_quarter, labelled, after disclosure control."""

    quarter: str
    use_case: str
    use_case_label: str
    use_case_illustrative: bool
    domain: str
    domain_label: str
    kpi: str
    kpi_label: str
    unit: str
    kind: str
    direction: str
    n_establishments: int
    n_experimentations: int
    n_patients: float | None
    threshold: float | None
    baseline_median: float | None
    pilot_median: float | None
    pilot_p25: float | None
    pilot_p75: float | None
    pooled_rate: float | None
    share_improved: float | None
    threshold_met: bool | None
    withheld: bool = False
    withheld_reason: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"


@dataclass(frozen=True)
class QuarterOverview:
    """Headline figures of a quarter; submissions are counted over all time."""

    quarter: str
    n_establishments: int
    n_experimentations: int
    n_accepted_submissions: int
    n_rejected_submissions: int
    n_measurements: int
    last_accepted_at: datetime | None


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


def withholding_reason(cell: BenchmarkCell, *, min_establishments: int, min_patients: int) -> str | None:
    """Why a cell may not be published, or None. A patient count that is unknown does not withhold."""
    if cell.n_establishments < min_establishments:
        return f"moins de {min_establishments} établissements"
    if cell.n_patients is not None and cell.n_patients < min_patients:
        return f"moins de {min_patients} patients"
    return None


def apply_disclosure_control(
    cell: BenchmarkCell, *, min_establishments: int, min_patients: int
) -> BenchmarkCell:
    """The cell as publishable: statistics set to None (never 0) when withheld, with the reason."""
    reason = withholding_reason(cell, min_establishments=min_establishments, min_patients=min_patients)
    if reason is None:
        return cell
    emptied: dict[str, Any] = dict.fromkeys(STATISTIC_FIELDS)
    return replace(cell, **emptied, withheld=True, withheld_reason=reason)


def quarter_benchmark(
    con: duckdb.DuckDBPyConnection, quarter: str, *, min_establishments: int, min_patients: int
) -> list[BenchmarkCell]:
    """The benchmark cells of a quarter, ordered by use case, domain and KPI code."""
    return [
        apply_disclosure_control(
            BenchmarkCell(**row), min_establishments=min_establishments, min_patients=min_patients
        )
        for row in fetch_dicts(con, "quarter_benchmark", {"quarter": quarter})
    ]


def quarter_overview(con: duckdb.DuckDBPyConnection, quarter: str) -> QuarterOverview:
    """Establishments, experimentations and measurements of a quarter; submissions accepted/rejected."""
    (row,) = fetch_dicts(con, "quarter_overview", {"quarter": quarter})
    return QuarterOverview(quarter=quarter, **row)


def available_quarters(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The quarters having pilot data, in order."""
    return [row["quarter"] for row in fetch_dicts(con, "available_quarters")]
