"""The cells of a quarter as read from the warehouse: one row per experimentation
(warehouse/sql/cell_contributions.sql) made into the use-case cells and their ENSEMBLE rows of
disclosure/cells.py, read once per edition for the national and the peer-group tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pyarrow as pa

from disclosure.cells import TOTAL, TOTAL_LABEL, CellInput, Member
from warehouse.queries import fetch_dicts, load_query

LABEL_COLUMNS = ("use_case_label", "use_case_illustrative", "domain", "domain_label", "kpi", "kpi_label",
                 "unit", "kind", "direction", "threshold")  # fmt: skip
MEMBER_COLUMNS = Member._fields


def build_inputs(rows: list[dict[str, Any]]) -> list[CellInput]:
    """Use-case cells then ENSEMBLE rows, each in (use case, domain, KPI) order, from rows of
    cell_contributions.sql (ordered by domain, KPI, use case, finess)."""
    names = (*LABEL_COLUMNS, "use_case", "min_value", "max_value", *MEMBER_COLUMNS)
    return inputs_from_columns({name: [row[name] for row in rows] for name in dict.fromkeys(names)})


def fetch_inputs(con: duckdb.DuckDBPyConnection, quarter: str) -> list[CellInput]:
    """The cells of a quarter, read column by column from cell_contributions.sql (a national quarter
    is about a million rows: no dict per row)."""
    table = con.execute(load_query("cell_contributions"), {"quarter": quarter}).to_arrow_table()
    per_row = {*MEMBER_COLUMNS, "domain", "kpi"}  # the labels are read at each cell's first row only
    columns: dict[str, Any] = {
        name: table.column(name).to_pylist() if name in per_row else ArrowColumn(table.column(name))
        for name in table.column_names
    }
    return inputs_from_columns(columns)


@dataclass(frozen=True)
class QuarterInputs:
    """What a quarter's national and peer-group tables are computed from, read once per edition."""

    cells: list[CellInput]
    roi_rows: list[dict[str, Any]]  # roi_contributions.sql: one row per experimentation having a ROI
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # other reads, once


def read_quarter_inputs(con: duckdb.DuckDBPyConnection, quarter: str) -> QuarterInputs:
    return QuarterInputs(
        fetch_inputs(con, quarter), fetch_dicts(con, "roi_contributions", {"quarter": quarter})
    )


class ArrowColumn:
    """An Arrow column read value by value (a million label strings are not made for 540 cells)."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        self.column = column

    def __getitem__(self, i: int) -> Any:
        return self.column[i].as_py()

    def __len__(self) -> int:
        return len(self.column)


def inputs_from_columns(columns: Mapping[str, Any]) -> list[CellInput]:
    """build_inputs on columns: one Member per row, shared by its use-case cell and its ENSEMBLE row."""
    members = list(map(Member._make, zip(*(columns[name] for name in MEMBER_COLUMNS), strict=True)))
    cells: dict[tuple[str, str, str], list[int]] = {}
    for i, key in enumerate(zip(columns["domain"], columns["kpi"], columns["use_case"], strict=True)):
        cells.setdefault(key, []).append(i)
    by_kpi: dict[tuple[str, str], list[int]] = {}
    for (domain, kpi, _), rows in cells.items():
        by_kpi.setdefault((domain, kpi), []).extend(rows)
    for kpi_rows in by_kpi.values():
        kpi_rows.sort()  # the rows' own order, as one pass over them would collect them
    use_cases = [make_cell(use_case, rows, columns, members) for (_, _, use_case), rows in cells.items()]
    totals = [make_cell(TOTAL, rows, columns, members) for rows in by_kpi.values()]
    return sorted(use_cases, key=lambda c: (c.use_case, c.group)) + sorted(totals, key=lambda c: c.group)


def make_cell(use_case: str, rows: list[int], columns: Mapping[str, Any], members: list[Member]) -> CellInput:
    first = rows[0]
    labels = {name: columns[name][first] for name in LABEL_COLUMNS}
    if use_case == TOTAL:
        labels.update(use_case_label=TOTAL_LABEL, use_case_illustrative=False)
    chosen = tuple(members[i] for i in rows)
    return CellInput(use_case, labels, columns["min_value"][first], columns["max_value"][first], chosen)


def split_by_group(inputs: list[CellInput], group_of: Callable[[str], str]) -> dict[str, list[CellInput]]:
    """The use-case cells of each group of establishments (`group_of(finess)`), as build_inputs builds
    them from the group's rows alone: the same order, each cell's members of the group only."""
    groups: dict[str, list[CellInput]] = {}
    for cell in inputs:
        if cell.is_total:
            continue
        mine: dict[str, list[Member]] = {}
        for member in cell.members:
            mine.setdefault(group_of(member.finess), []).append(member)
        for group, members in mine.items():
            groups.setdefault(group, []).append(
                replace(cell, labels=dict(cell.labels), members=tuple(members))
            )
    return groups
