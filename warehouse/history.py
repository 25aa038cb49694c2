"""What the warehouse already knows of each establishment's KPIs, to flag unusual new values."""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

import duckdb

from schemas.validation import History
from tlkpi.errors import TransientError, WarehouseError
from warehouse.db import Warehouse, open_warehouse, warehouse_exists

HISTORY_WAIT_SECONDS = 5.0  # warnings are a courtesy: never hold a run for them
HISTORY_SQL = Path(__file__).parent / "sql" / "kpi_history.sql"
log = logging.getLogger(__name__)


def read_history(con: duckdb.DuckDBPyConnection, finess: Collection[str]) -> History:
    """(finess, use case, KPI, phase) -> median of the current values, for these establishments."""
    rows = con.execute(HISTORY_SQL.read_text(encoding="utf-8"), {"finess": sorted(finess)}).fetchall()
    return {(finess, uc, kpi, phase): float(median) for finess, uc, kpi, phase, median, _ in rows}


def load_history(warehouse_path: Warehouse, finess: Collection[str]) -> History:
    """The history of these establishments, or nothing when there is no warehouse yet or a writer
    holds it (it only feeds warnings)."""
    if not finess or not warehouse_exists(warehouse_path):
        return {}
    try:
        with open_warehouse(warehouse_path, read_only=True, wait_seconds=HISTORY_WAIT_SECONDS) as con:
            return read_history(con, finess)
    except (TransientError, WarehouseError, duckdb.IOException) as exc:
        log.warning("history unavailable, unusual-value warnings skipped: %s", exc)
        return {}
