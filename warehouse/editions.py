"""Editions of a quarter: freeze what is published, and read frozen editions back.

An edition is the set of accepted submissions a quarter rests on, its "as of" (the latest reception
among them) and the publishable rows computed from them. A new edition is frozen only when that set
or the published content changed; otherwise the latest edition stands ("nothing new").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.benchmark import BenchmarkCell, RoiCell, compute_benchmark, compute_roi
from warehouse.disclosure import Rules
from warehouse.queries import fetch_dicts, load_query, quarter_overview


@dataclass(frozen=True)
class Edition:
    quarter: str
    number: int
    as_of: datetime | None
    n_submissions: int
    n_establishments: int
    n_experimentations: int
    n_measurements: int
    fingerprint: str
    min_establishments: int
    min_patients: int


@dataclass(frozen=True)
class Freeze:
    """The outcome of publishing a quarter: its edition, and whether it is new."""

    edition: Edition
    created: bool
    previous: Edition | None


def edition_of(row: dict[str, Any]) -> Edition:
    return Edition(**{name: row[name] for name in Edition.__dataclass_fields__})


def latest_edition(con: duckdb.DuckDBPyConnection, quarter: str) -> Edition | None:
    rows = fetch_dicts(con, "edition_latest", {"quarter": quarter})
    return edition_of(rows[0]) if rows else None


def find_edition(con: duckdb.DuckDBPyConnection, quarter: str, number: int | None = None) -> Edition | None:
    """Edition `number` of a quarter, by default its latest."""
    if number is None:
        return latest_edition(con, quarter)
    rows = fetch_dicts(con, "edition_one", {"quarter": quarter, "number": number})
    return edition_of(rows[0]) if rows else None


def list_editions(con: duckdb.DuckDBPyConnection) -> list[Edition]:
    return [edition_of(row) for row in fetch_dicts(con, "editions")]


def read_benchmark(con: duckdb.DuckDBPyConnection, edition: Edition) -> list[BenchmarkCell]:
    """The frozen benchmark rows of an edition, in published order."""
    params = {"quarter": edition.quarter, "number": edition.number}
    rows = fetch_dicts(con, "edition_benchmark", params)
    return [BenchmarkCell(**row) for row in rows]


def read_roi(con: duckdb.DuckDBPyConnection, edition: Edition) -> list[RoiCell]:
    params = {"quarter": edition.quarter, "number": edition.number}
    rows = fetch_dicts(con, "edition_roi", params)
    return [RoiCell(**row) for row in rows]


def fingerprint(inputs: list[dict[str, Any]], cells: list[BenchmarkCell], roi: list[RoiCell]) -> str:
    """A hash of what an edition says: its input files and every published row (edition number aside)."""
    content = {
        "inputs": [row["sha256"] for row in inputs],
        "benchmark": [{**asdict(cell), "edition": None} for cell in cells],
        "roi": [{**asdict(cell), "edition": None} for cell in roi],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def insert_rows(con: duckdb.DuckDBPyConnection, query: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows with the named query, through a registered Arrow table."""
    if not rows:
        return
    con.register("incoming_rows", pa.Table.from_pylist(rows))
    try:
        con.execute(load_query(query))
    finally:
        con.unregister("incoming_rows")


def freeze_edition(con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules) -> Freeze:
    """Publish `quarter`: a new edition when its inputs or content changed, else the latest one."""
    con.execute("BEGIN TRANSACTION")
    try:
        result = _freeze(con, quarter, rules)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _freeze(con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules) -> Freeze:
    previous = latest_edition(con, quarter)
    number = previous.number + 1 if previous else 1
    inputs = fetch_dicts(con, "edition_inputs", {"quarter": quarter})
    cells = compute_benchmark(con, quarter, rules, number)
    roi = compute_roi(con, quarter, rules, number)
    overview = quarter_overview(con, quarter)
    digest = fingerprint(inputs, cells, roi)
    if previous is not None and previous.fingerprint == digest:
        return Freeze(previous, created=False, previous=previous)
    edition = Edition(
        quarter=quarter,
        number=number,
        as_of=max((row["received_at"] for row in inputs), default=None),
        n_submissions=len(inputs),
        n_establishments=overview.n_establishments,
        n_experimentations=overview.n_experimentations,
        n_measurements=overview.n_measurements,
        fingerprint=digest,
        min_establishments=rules.min_establishments,
        min_patients=rules.min_patients,
    )
    con.execute(load_query("insert_edition"), asdict(edition))
    insert_rows(
        con, "insert_edition_submission", [{"quarter": quarter, "number": number, **row} for row in inputs]
    )
    insert_rows(con, "insert_edition_benchmark", [asdict(cell) for cell in cells])
    insert_rows(con, "insert_edition_roi", [asdict(cell) for cell in roi])
    return Freeze(edition, created=True, previous=previous)


def unchanged_edition(con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules) -> Edition | None:
    """The latest edition when publishing `quarter` now would freeze nothing new; None otherwise.

    Reads only: an analyst's `tlkpi quarter` with nothing new answers without taking the writer lock.
    """
    previous = latest_edition(con, quarter)
    if previous is None:
        return None
    inputs = fetch_dicts(con, "edition_inputs", {"quarter": quarter})
    cells = compute_benchmark(con, quarter, rules, previous.number + 1)
    roi = compute_roi(con, quarter, rules, previous.number + 1)
    return previous if fingerprint(inputs, cells, roi) == previous.fingerprint else None
