"""What the private reports of a quarter are made of, read once from the warehouse (read-only): the
latest edition's peer statistics, each experimentation's own values and ROI, and the labels.

Own values come from the live views (private_values.sql), as right after the edition is frozen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

import duckdb

from disclosure.benchmark import DECIMALS, BenchmarkCell, RoiCell
from disclosure.editions import Edition, find_edition, read_benchmark, read_roi
from disclosure.peers import PeerCell, categories, read_peers
from tlkpi.errors import WarehouseError
from warehouse.db import Warehouse, as_of, open_warehouse
from warehouse.queries import fetch_dicts, load_query

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


class OwnValue(NamedTuple):
    """One KPI of one experimentation for the quarter: its own figures (a row of private_values.sql)."""

    domain: str
    kpi: str
    baseline: float | None
    pilot: float | None
    relative_change: float | None
    improved: bool | None


@dataclass(frozen=True)
class Experimentation:
    """An establishment's use case with pilot values this quarter, and its own ROI when it has one."""

    use_case: str
    values: tuple[OwnValue, ...]
    roi: dict[str, Any] | None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with plain tuples: NamedTuples cost five times more to send to a worker process."""
        return _experimentation, (self.use_case, [tuple(value) for value in self.values], self.roi)


def _experimentation(
    use_case: str, values: list[tuple[Any, ...]], roi: dict[str, Any] | None
) -> Experimentation:
    return Experimentation(use_case, tuple(OwnValue._make(value) for value in values), roi)


@dataclass(frozen=True)
class Establishment:
    finess: str
    name: str | None
    experimentations: tuple[Experimentation, ...]


@dataclass(frozen=True)
class KpiLabel:
    label: str
    unit: str
    direction: str


@dataclass(frozen=True)
class Labels:
    """The reference tables' names of what the reports show."""

    kpis: dict[str, KpiLabel]
    use_cases: dict[str, str]
    domains: dict[str, str]
    establishments: dict[str, str | None]


@dataclass(frozen=True)
class PrivateSource:
    edition: Edition
    cells: list[BenchmarkCell]
    roi: list[RoiCell]
    labels: Labels
    establishments: list[Establishment]
    peer_cells: list[PeerCell] = field(default_factory=list)  # the edition's peer-group rows
    categories: dict[str, str] = field(default_factory=dict)  # finess -> peer group


def read_labels(con: duckdb.DuckDBPyConnection) -> Labels:
    rows = fetch_dicts(con, "private_labels")
    names = {kind: {row["code"]: row for row in rows if row["kind"] == kind} for kind in ("kpi", "use_case")}
    return Labels(
        kpis={
            code: KpiLabel(row["label"], row["unit"], row["direction"]) for code, row in names["kpi"].items()
        },
        use_cases={code: row["label"] for code, row in names["use_case"].items()},
        domains={row["code"]: row["label"] for row in rows if row["kind"] == "domain"},
        establishments={row["code"]: row["label"] for row in rows if row["kind"] == "establishment"},
    )


def read_own_values(con: duckdb.DuckDBPyConnection, quarter: str) -> list[tuple[Any, ...]]:
    """The rows of private_values.sql as plain tuples (there is one per experimentation and KPI)."""
    params = {"quarter": quarter, "decimals": DECIMALS}
    return con.execute(load_query("private_values"), params).fetchall()


def group_establishments(
    rows: list[tuple[Any, ...]], roi_rows: list[dict[str, Any]], names: dict[str, str | None]
) -> list[Establishment]:
    """Rows ordered by establishment and use case, grouped; a code unfit for a file name is refused."""
    roi_of = {(row["finess"], row["use_case"]): row for row in roi_rows if row["roi"] is not None}
    establishments = []
    for finess, mine in groupby(rows, key=itemgetter(0)):
        experimentations = []
        for use_case, values in groupby(mine, key=itemgetter(1)):
            if not (_SAFE_NAME.match(finess) and _SAFE_NAME.match(use_case)):
                raise WarehouseError(f"{finess}/{use_case} cannot be used as a file name")
            own = tuple(OwnValue(*row[2:]) for row in values)
            experimentations.append(Experimentation(use_case, own, roi_of.get((finess, use_case))))
        establishments.append(Establishment(finess, names.get(finess), tuple(experimentations)))
    return establishments


def read_private_source(warehouse_path: Warehouse, quarter: str) -> PrivateSource:
    """The latest edition of a quarter and everything its private reports show."""
    with open_warehouse(warehouse_path, read_only=True) as con:
        edition = find_edition(con, quarter)
        if edition is None:
            raise WarehouseError(
                f"{quarter}: no edition; publish the quarter first (`tlkpi quarter {quarter}`)"
            )
        cells, roi = read_benchmark(con, edition), read_roi(con, edition)
        peer_cells, _ = read_peers(con, quarter, edition.number)
        groups = categories(con)
    # the live values as of the edition's lake snapshot: re-rendered later, the reports stay the same
    with open_warehouse(as_of(warehouse_path, edition.lake_snapshot), read_only=True) as con:
        labels = read_labels(con)
        rows = read_own_values(con, quarter)
        roi_rows = fetch_dicts(con, "private_roi", {"quarter": quarter, "decimals": DECIMALS})
    return PrivateSource(
        edition=edition,
        cells=cells,
        roi=roi,
        labels=labels,
        establishments=group_establishments(rows, roi_rows, labels.establishments),
        peer_cells=peer_cells,
        categories=groups,
    )
