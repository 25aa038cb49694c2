"""The published editions a quarter's pages show as a trend: each earlier quarter as it stood when the
edition was frozen, then the edition itself. Read-only; frozen rows only, nothing recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from disclosure.benchmark import BenchmarkCell, RoiCell
from disclosure.editions import Edition, find_edition, read_benchmark, read_roi
from warehouse.queries import fetch_dicts


@dataclass(frozen=True)
class PublishedQuarter:
    """One quarter of a trend: the edition shown and its published rows."""

    edition: Edition
    cells: list[BenchmarkCell]
    roi: list[RoiCell]


def read_trend(con: duckdb.DuckDBPyConnection, edition: Edition) -> list[PublishedQuarter]:
    """Every quarter published up to `edition`, oldest first, `edition` itself last."""
    params = {"quarter": edition.quarter, "number": edition.number}
    trend = []
    for row in fetch_dicts(con, "edition_trend", params):
        shown = find_edition(con, row["quarter"], row["number"])
        if shown is not None:
            trend.append(PublishedQuarter(shown, read_benchmark(con, shown), read_roi(con, shown)))
    return trend
