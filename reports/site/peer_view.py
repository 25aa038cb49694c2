"""« Établissements comparables » on a use-case page: the national figure of each KPI beside each peer
group's published figure (disclosure/peers.py). Pure: built from the frozen rows of an edition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from disclosure.benchmark import BenchmarkCell
from disclosure.peers import PeerCell
from reports.charts.base import Chart
from reports.charts.peers import peer_chart
from reports.site.calculator import GainBasis, gain_basis

GROUP_NAMES = {"CHU": "CHU", "CH": "CH", "ESMS": "ESMS"}  # a new category shows under its own code


@dataclass(frozen=True)
class PeerRow:
    """One KPI: its national row and each group's row (None: no experimentation of the group)."""

    national: BenchmarkCell
    groups: tuple[BenchmarkCell | None, ...]

    @property
    def any_group_published(self) -> bool:
        return any(cell is not None and not cell.withheld for cell in self.groups)


@dataclass(frozen=True)
class PeerTable:
    groups: tuple[str, ...]
    rows: tuple[PeerRow, ...]

    def labelled(self, row: PeerRow) -> list[tuple[str, BenchmarkCell | None]]:
        """(column name, cell) of a row: national first, then each group."""
        names = ["National", *(group_name(group) for group in self.groups)]
        return list(zip(names, (row.national, *row.groups), strict=True))

    @property
    def sole_group(self) -> str | None:
        """The group holding every experimentation of the use case (its figures are the national ones)."""
        if len(self.groups) != 1:
            return None
        whole = all(
            cell is not None and cell.n_experimentations == row.national.n_experimentations
            for row in self.rows
            for cell in row.groups
        )
        return self.groups[0] if whole else None

    @property
    def published(self) -> int:
        """How many group figures the table shows."""
        return sum(cell is not None and not cell.withheld for row in self.rows for cell in row.groups)


def group_name(code: str) -> str:
    return GROUP_NAMES.get(code, code)


def peer_table(national: Sequence[BenchmarkCell], peers: Sequence[PeerCell]) -> PeerTable | None:
    """The table of a use-case page (its national cells in page order); None without any group row."""
    keys = {(cell.use_case, cell.domain, cell.kpi) for cell in national}
    mine = {
        (p.peer_group, p.cell.use_case, p.cell.domain, p.cell.kpi): p.cell
        for p in peers
        if isinstance(p.cell, BenchmarkCell) and (p.cell.use_case, p.cell.domain, p.cell.kpi) in keys
    }
    groups = tuple(sorted({group for group, *_ in mine}))
    if not groups:
        return None
    # a KPI withheld nationally is withheld in every group: its row would only repeat « non publié »
    rows = tuple(
        PeerRow(cell, tuple(mine.get((group, cell.use_case, cell.domain, cell.kpi)) for group in groups))
        for cell in national
        if not cell.withheld
    )
    return PeerTable(groups, rows) if rows else None


def peer_charts(table: PeerTable | None, quarter: str) -> dict[str, Chart]:
    """A chart per KPI of the table with at least one published group level, keyed by KPI code."""
    charts: dict[str, Chart] = {}
    if table is None:
        return charts
    for row in table.rows:
        cell, ident = row.national, f"graphique-pairs-{len(charts) + 1}"
        chart = peer_chart(cell.kpi_label, cell.unit, quarter, table.labelled(row), ident)
        if chart is not None:
            charts[cell.kpi] = chart
    return charts


def group_bases(use_case: str, peers: Sequence[PeerCell], band: float) -> dict[str, GainBasis | None]:
    """The calculator's basis for each peer group of the edition (None: not published for that group)."""
    groups = sorted({p.peer_group for p in peers})
    return {
        group: gain_basis(
            [
                p.cell
                for p in peers
                if p.peer_group == group and isinstance(p.cell, BenchmarkCell) and p.cell.use_case == use_case
            ],
            band,
        )
        for group in groups
    }
