"""The published ROI table (publication rules v2): per use case and ENSEMBLE, the pooled ROI
(Σ gains − Σ costs) / Σ costs and the share of positive ROIs from 3 establishments (withheld when one
establishment holds more than the dominance share of the costs or of the gains), the median and
quartiles from `min_position` experimentations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from disclosure.audit import Figure, LinkedTable
from disclosure.benchmark import RoiCell, at_precision, withhold
from disclosure.cells import TOTAL, TOTAL_LABEL, quantiles
from disclosure.digests import digest
from disclosure.rules import (
    SECONDARY_REASON,
    Key,
    Rules,
    Support,
    TableBuilder,
    dominance_reason,
    largest_share,
    position_reason,
    sensitivity_reason,
    withholding_reasons,
)
from warehouse.queries import fetch_dicts

GROUP: Key = ("ROI",)


@dataclass(frozen=True)
class RoiMember:
    finess: str
    avoided: float
    revenue: float
    cost: float
    roi: float

    @property
    def gains(self) -> float:
        return self.avoided + self.revenue


@dataclass(frozen=True)
class RoiInput:
    use_case: str
    use_case_label: str
    members: tuple[RoiMember, ...]

    @property
    def key(self) -> Key:
        return (self.use_case,)


def build_roi_inputs(rows: list[dict[str, Any]]) -> list[RoiInput]:
    """One input per use case having ROIs, then ENSEMBLE."""
    by_use_case: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_use_case.setdefault(row["use_case"], []).append(row)
    inputs = [
        RoiInput(code, members[0]["use_case_label"], members_of(members))
        for code, members in by_use_case.items()
    ]
    if rows:
        inputs.append(RoiInput(TOTAL, TOTAL_LABEL, members_of(rows)))
    return inputs


def members_of(rows: list[dict[str, Any]]) -> tuple[RoiMember, ...]:
    return tuple(
        RoiMember(
            row["finess"], float(row["avoided"]), float(row["revenue"]), float(row["cost"]), float(row["roi"])
        )
        for row in rows
    )


def roi_dominance(cell: RoiInput, rules: Rules) -> tuple[str | None, str | None]:
    """Why the pooled ROI (dominance or p % rule on the costs or the gains it rests on) and why
    the share of positive ROIs (fewer than `min_share` experimentations; experimentations dominated,
    which withholds both) are withheld."""
    members = cell.members
    crowded = dominance_reason([largest_share((m.finess, 1.0) for m in members)], rules)
    small = f"moins de {rules.min_share} expérimentations" if len(members) < rules.min_share else None
    amounts = [[(m.finess, getattr(m, name)) for m in members] for name in ("cost", "gains")]
    sensitive = next((r for part in amounts if (r := sensitivity_reason(part, rules))), None)
    return crowded or sensitive, crowded or small


def build_roi_cell(cell: RoiInput, quarter: str, edition: int, rules: Rules) -> RoiCell:
    members = cell.members
    n = len(members)
    median, p25, p75 = quantiles([m.roi for m in members], (0.5, 0.25, 0.75))
    cost, gains = sum(m.cost for m in members), sum(m.gains for m in members)
    linear_reason, shares_reason = roi_dominance(cell, rules)
    shown_positions = n >= rules.min_position
    values = at_precision({
        "roi_median": median if shown_positions else None,
        "roi_p25": p25 if shown_positions else None,
        "roi_p75": p75 if shown_positions else None,
        "roi_pooled": None if linear_reason or cost <= 0 else (gains - cost) / cost,
        "share_positive": None if shares_reason else sum(m.roi > 0 for m in members) / n,
    })  # fmt: skip
    return RoiCell(
        edition=edition,
        quarter=quarter,
        use_case=cell.use_case,
        use_case_label=cell.use_case_label,
        n_establishments=len({m.finess for m in members}),
        n_experimentations=n,
        **values,
        withheld=False,
        withheld_reason=None,
        linear_withheld_reason=linear_reason,
        position_withheld_reason=position_reason(n, rules) if not shown_positions else None,
    )


def roi_figures(
    cell: RoiInput, reason: str | None, dominated: tuple[str | None, str | None]
) -> dict[str, Figure]:
    """The additive figures of a ROI cell: Σ costs and Σ gains (taken as recomputable whenever the
    pooled ROI is published: the euro KPIs of the benchmark publish them) and the positive count.
    Protected when a primary or dominance rule withholds them (as in disclosure/cells.py)."""
    members, n = cell.members, len(cell.members)
    primary = reason is not None and reason != SECONDARY_REASON
    amounts_shown, count_shown = (
        reason is None and dominated[0] is None,
        reason is None and dominated[1] is None,
    )
    amounts_protected, count_protected = (
        primary or dominated[0] is not None,
        primary or dominated[1] is not None,
    )
    return {
        "cost": Figure(sum(m.cost for m in members), 0.0, float("inf"), amounts_shown, amounts_protected),
        "gains": Figure(sum(m.gains for m in members), 0.0, float("inf"), amounts_shown, amounts_protected),
        "positive": Figure(sum(m.roi > 0 for m in members), 0.0, n, count_shown, count_protected),
    }


def roi_table(inputs: list[RoiInput], rules: Rules) -> TableBuilder:
    dominated = {cell.key: roi_dominance(cell, rules) for cell in inputs}

    def build(reasons: dict[Key, str | None]) -> LinkedTable:
        figures = {cell.key: roi_figures(cell, reasons[cell.key], dominated[cell.key]) for cell in inputs}
        return LinkedTable(GROUP, (TOTAL,), figures)

    return build


def compute_roi_release(
    con: duckdb.DuckDBPyConnection,
    quarter: str,
    rules: Rules,
    edition: int = 0,
    roi_rows: list[dict[str, Any]] | None = None,
) -> tuple[list[RoiCell], dict[tuple[str, str], Any], dict[Key, LinkedTable]]:
    """The publishable ROI table of a quarter, its contributions and its linked table. `roi_rows`: the
    quarter's roi_contributions when the caller already read them."""
    if roi_rows is None:
        roi_rows = fetch_dicts(con, "roi_contributions", {"quarter": quarter})
    inputs = build_roi_inputs(roi_rows)
    built = {cell.key: build_roi_cell(cell, quarter, edition, rules) for cell in inputs}
    supports = [
        Support(
            key=cell.key,
            group=GROUP,
            is_total=cell.use_case == TOTAL,
            establishments=frozenset(m.finess for m in cell.members),
            n_experimentations=len(cell.members),
        )
        for cell in inputs
    ]
    builder = roi_table(inputs, rules)
    reasons = withholding_reasons(supports, rules, {GROUP: builder}) if inputs else {}
    rows = [withhold(built[cell.key], reasons[cell.key]) for cell in inputs]
    contributions = {(cell.use_case, "ROI"): roi_digests(cell) for cell in inputs}
    return rows, contributions, ({GROUP: builder(reasons)} if inputs else {})


def roi_digests(cell: RoiInput) -> dict[str, tuple[str, float | None]]:
    mine: dict[str, list[tuple[Any, ...]]] = {}
    for m in cell.members:
        mine.setdefault(m.finess, []).append((m.avoided, m.revenue, m.cost))
    return {finess: (digest(rows), None) for finess, rows in mine.items()}
