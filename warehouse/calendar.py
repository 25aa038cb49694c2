"""Load the programme's calendar (schemas/calendar.py) into the warehouse's experimentation_calendar."""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemas.calendar import CalendarEntry, read_calendar
from schemas.catalogue import Catalogue
from warehouse.db import write_transaction


def sync_calendar(con: duckdb.DuckDBPyConnection, entries: list[CalendarEntry]) -> bool:
    """Replace the calendar by `entries` in one transaction when it differs; return whether it did.

    An unchanged calendar writes nothing, so concurrent ingest workers on a lake do not conflict on it.
    """
    wanted = [(e.finess, e.use_case, e.start_quarter, e.end_quarter) for e in sorted(entries)]
    current = con.execute("SELECT * FROM experimentation_calendar ORDER BY ALL").fetchall()
    if current == wanted:
        return False

    def replace() -> None:
        con.execute("DELETE FROM experimentation_calendar")
        if wanted:
            con.executemany(
                "INSERT INTO experimentation_calendar VALUES (?, ?, ?, ?)", [list(r) for r in wanted]
            )

    write_transaction(con, replace)
    return True


def sync_calendar_file(con: duckdb.DuckDBPyConnection, path: Path, catalogue: Catalogue) -> int | None:
    """Load the calendar file when present (nothing changes when absent); return its number of rows."""
    entries = read_calendar(path, catalogue)
    if entries is None:
        return None
    sync_calendar(con, entries)
    return len(entries)
