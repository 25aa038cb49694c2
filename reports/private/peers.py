"""« Mon établissement face à son groupe » in a private report: its own pilot value of each KPI beside
the published level of its peer group (the register's category) and the national one. Published
figures only: a group figure withheld is shown as such."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from disclosure.benchmark import BenchmarkCell
from disclosure.peers import PeerCell
from reports.formatting import format_value
from reports.published import pilot_level


@dataclass(frozen=True)
class GroupComparison:
    """One KPI of an experimentation: own pilot value, the group's and the nation's published levels."""

    heading: Markup  # the KPI's header cell, as the report's other tables show it
    own: str | None
    group: str | None  # formatted level with its statistic; None: not published
    national: str | None


def level_text(cell: BenchmarkCell | None) -> str | None:
    """The published pilot level of a row, with its statistic ("74,2 /100 (moyenne)"), or None."""
    if cell is None or cell.withheld:
        return None
    level = pilot_level(cell)
    return None if level is None else f"{format_value(level.value, cell.unit)} ({level.statistic})"


def group_cells(peers: Sequence[PeerCell]) -> dict[tuple[str, str, str], BenchmarkCell]:
    """(group, use case, KPI) -> the group's published row."""
    return {
        (p.peer_group, p.cell.use_case, p.cell.kpi): p.cell
        for p in peers
        if isinstance(p.cell, BenchmarkCell)
    }


def compare_with_group(
    use_case: str,
    own: Sequence[tuple[str, float | None]],
    units: dict[str, str],
    headings: dict[str, Markup],
    group: str | None,
    groups: dict[tuple[str, str, str], BenchmarkCell],
    national: dict[tuple[str, str], BenchmarkCell],
) -> tuple[GroupComparison, ...]:
    """A row per (KPI, own pilot value) of an experimentation; empty when the group is unknown."""
    if group is None:
        return ()
    return tuple(
        GroupComparison(
            headings[kpi],
            None if pilot is None else format_value(pilot, units[kpi]),
            level_text(groups.get((group, use_case, kpi))),
            level_text(national.get((use_case, kpi))),
        )
        for kpi, pilot in own
    )
