"""The quarter's benchmark and ROI tables as they are published (publication rules v2): statistics of
each cell from its experimentations (disclosure/cells.py; the ROI in disclosure/roi.py), then primary,
dominance, position and secondary rules (disclosure/rules.py), at the published precision.
Withheld statistics are None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from disclosure import cells as cellmod
from disclosure.audit import LinkedTable
from disclosure.cell_inputs import fetch_inputs
from disclosure.digests import member_digests
from disclosure.rules import (
    Key,
    Rules,
    TableBuilder,
    position_reason,
    withholding_reasons,
)
from disclosure.series import History, Populations, apply_series_rule, read_history

TOTAL = cellmod.TOTAL
DECIMALS = 6  # precision of an establishment's own values in its private report (not published)
VALUE_FIELDS = ("baseline_median", "pilot_median", "pilot_p10", "pilot_p25", "pilot_p75", "pilot_p90",
                "pooled_rate", "pooled_rate_low", "pooled_rate_high", "baseline_mean", "pilot_mean",
                "mean_change")  # fmt: skip
FRACTION_FIELDS = ("share_improved", "share_threshold_met", "median_relative_change",
                   "median_relative_change_low", "median_relative_change_high", "share_positive")  # fmt: skip
ROI_FIELDS = ("roi_median", "roi_p25", "roi_p75", "roi_pooled")
MEDIAN_FIELDS = ("pilot_median", "pilot_p25", "pilot_p75")
EXTREME_FIELDS = ("pilot_p10", "pilot_p90")
CHANGE_FIELDS = ("median_relative_change", "median_relative_change_low", "median_relative_change_high")
MEAN_FIELDS = ("baseline_mean", "pilot_mean", "mean_change", "pooled_rate", "pooled_rate_low",
               "pooled_rate_high")  # fmt: skip
SHARE_FIELDS = ("share_improved", "share_threshold_met")


@dataclass(frozen=True)
class BenchmarkCell:
    """One published row of data/benchmark.csv: (quarter, use case, domain, KPI) after disclosure control.

    `linear_withheld_reason`: why the means, pooled rate and shares are empty (dominance);
    `position_withheld_reason`: why medians, quartiles or P10/P90 are empty (too few experimentations);
    `correction_pending`: the row keeps an earlier edition's figures until enough establishments change.
    """

    edition: int
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
    baseline_median: float | None
    pilot_median: float | None
    pilot_p10: float | None
    pilot_p25: float | None
    pilot_p75: float | None
    pilot_p90: float | None
    pooled_rate: float | None
    pooled_rate_low: float | None
    pooled_rate_high: float | None
    share_improved: float | None
    median_relative_change: float | None
    median_relative_change_low: float | None
    median_relative_change_high: float | None
    threshold: float | None
    threshold_met: bool | None
    share_threshold_met: float | None
    withheld: bool
    withheld_reason: str | None
    baseline_mean: float | None = None
    pilot_mean: float | None = None
    mean_change: float | None = None
    linear_withheld_reason: str | None = None
    position_withheld_reason: str | None = None
    correction_pending: bool = False

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    @property
    def is_total(self) -> bool:
        return self.use_case == TOTAL

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"


@dataclass(frozen=True)
class RoiCell:
    """One published row of data/roi.csv: the ROI of the experimentations of a use case."""

    edition: int
    quarter: str
    use_case: str
    use_case_label: str
    n_establishments: int
    n_experimentations: int
    roi_median: float | None
    roi_p25: float | None
    roi_p75: float | None
    share_positive: float | None
    withheld: bool
    withheld_reason: str | None
    roi_pooled: float | None = None
    linear_withheld_reason: str | None = None
    position_withheld_reason: str | None = None
    correction_pending: bool = False


# What a withheld row keeps: who it is about and how many establishments (not disclosive in itself).
KEPT_WHEN_WITHHELD = {"edition", "quarter", "use_case", "use_case_label", "use_case_illustrative", "domain",
                      "domain_label", "kpi", "kpi_label", "unit", "kind", "direction", "n_establishments",
                      "n_experimentations", "threshold", "withheld", "withheld_reason",
                      "correction_pending"}  # fmt: skip


@dataclass(frozen=True)
class Release:
    """What a quarter would publish now, and what it rests on (kept private)."""

    cells: list[BenchmarkCell]
    roi: list[RoiCell]
    contributions: dict[tuple[str, str], dict[str, tuple[str, float | None]]]  # (use case, kpi) -> finess
    tables: dict[Key, LinkedTable]  # the linked tables as published, by group ((domain, kpi) or ROI)
    populations: Populations = field(default_factory=dict)  # baseline members per cell (disclosure/series.py)


def rounded(value: float | None, decimals: int) -> float | None:
    """A statistic at the published precision, half up like the site's French formatting (11.25 ->
    11.3, never 11.2), -0.0 written as 0."""
    if value is None:
        return None
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


def unit_decimals(unit: str) -> int:
    """Euros to the euro; percentages, durations, scores and counts to one decimal."""
    return 0 if unit == "€" else 1


def at_precision(values: dict[str, Any], unit: str = "") -> dict[str, Any]:
    """Every statistic rounded as published: 1 decimal, euros to the euro, ROI 2 decimals, shares and
    relative changes to a tenth of a percent."""
    out = dict(values)
    for name, value in values.items():
        if name in VALUE_FIELDS:
            out[name] = rounded(value, unit_decimals(unit))
        elif name in FRACTION_FIELDS:
            out[name] = rounded(value, 3)
        elif name in ROI_FIELDS:
            out[name] = rounded(value, 2)
    return out


def position_gates(statistics: dict[str, Any], n_values: dict[str, int], rules: Rules) -> dict[str, Any]:
    """Position statistics emptied below their thresholds."""
    out = dict(statistics)
    gates = [((*MEDIAN_FIELDS, "threshold_met"), n_values["pilot"], rules.min_position),
             (EXTREME_FIELDS, n_values["pilot"], rules.min_extreme_position),
             (("baseline_median",), n_values["baseline"], rules.min_position),
             (CHANGE_FIELDS, n_values["change"], rules.min_position)]  # fmt: skip
    for names, count, threshold in gates:
        if count < threshold:
            out.update(dict.fromkeys(names))
    return out


def withhold(cell: Any, reason: str | None) -> Any:
    """The row as published: statistics emptied (None, never 0) when there is a reason."""
    if reason is None:
        return replace(cell, withheld=False, withheld_reason=None)
    emptied = {f.name: None for f in fields(cell) if f.name not in KEPT_WHEN_WITHHELD}
    return replace(cell, **emptied, withheld=True, withheld_reason=reason)


def build_cell(cell: cellmod.CellInput, quarter: str, edition: int, rules: Rules) -> BenchmarkCell:
    """A cell with its dominance and position rules applied (primary and secondary come after)."""
    raw = cellmod.raw_statistics(cell)
    raw["threshold_met"] = meets(raw["pilot_median"], cell.labels["threshold"], cell.labels["direction"])
    members = cell.members
    n_values = {"pilot": len(members), "baseline": sum(m.baseline is not None for m in members),
                "change": sum(m.relative_change is not None for m in members)}  # fmt: skip
    statistics = position_gates(raw, n_values, rules)
    linear_reason, shares_reason = cellmod.dominance(cell, rules)
    if linear_reason:
        statistics.update(dict.fromkeys(MEAN_FIELDS))
    if shares_reason:
        statistics.update(dict.fromkeys(SHARE_FIELDS))
    return BenchmarkCell(
        edition=edition,
        quarter=quarter,
        use_case=cell.use_case,
        **cell.labels,
        n_establishments=len({m.finess for m in members}),
        n_experimentations=len(members),
        **at_precision(statistics, cell.labels["unit"]),
        withheld=False,
        withheld_reason=None,
        linear_withheld_reason=linear_reason,
        position_withheld_reason=position_reason(len(members), rules),
    )


def meets(value: float | None, threshold: float | None, direction: str) -> bool | None:
    """Whether a value reaches the KPI's threshold, in the KPI's direction."""
    if value is None or threshold is None:
        return None
    return value <= threshold if direction == "lower_is_better" else value >= threshold


def benchmark_table(group: Key, inputs: list[cellmod.CellInput], rules: Rules) -> TableBuilder:
    """The builder of a KPI's linked table for given withholding reasons."""

    dominated = {cell.key: cellmod.dominance(cell, rules) for cell in inputs}

    def build(reasons: dict[Key, str | None]) -> LinkedTable:
        figures = {
            cell.key: cellmod.additive_figures(cell, reasons[cell.key], dominated[cell.key])
            for cell in inputs
        }
        return LinkedTable(group, (TOTAL, *group), figures, cellmod.PAIRS)

    return build


def baseline_populations(inputs: list[cellmod.CellInput]) -> Populations:
    """(use case, kpi) -> the experimentations ('<use case>/<finess>') behind its baseline figures."""
    names: dict[int, str] = {}  # a member's name, made once for its use-case cell and its ENSEMBLE row

    def name(m: cellmod.Member) -> str:
        if (known := names.get(id(m))) is None:
            known = names[id(m)] = f"{m.use_case}/{m.finess}"
        return known

    return {
        (cell.use_case, cell.labels["kpi"]): frozenset(
            name(m) for m in cell.members if m.baseline is not None
        )
        for cell in inputs
    }


def compute_benchmark_release(
    con: duckdb.DuckDBPyConnection,
    quarter: str,
    rules: Rules,
    edition: int,
    inputs: list[cellmod.CellInput] | None = None,
    history: History | None = None,
) -> tuple[list[BenchmarkCell], dict[tuple[str, str], Any], dict[Key, LinkedTable], Populations]:
    """The publishable benchmark of a quarter, its contributions, linked tables and baseline
    populations (after the series rule of disclosure/series.py, against the other quarters' editions).
    `inputs`: the quarter's cells when the caller already read them (disclosure/cell_inputs.py);
    `history`: the recorded baseline populations (disclosure/series.read_history), likewise."""
    if inputs is None:
        inputs = fetch_inputs(con, quarter)
    built = {cell.key: build_cell(cell, quarter, edition, rules) for cell in inputs}
    groups: dict[Key, list[cellmod.CellInput]] = {}
    for cell in inputs:
        groups.setdefault(cell.group, []).append(cell)
    builders = {group: benchmark_table(group, members, rules) for group, members in groups.items()}
    reasons = withholding_reasons([cellmod.support_of(cell) for cell in inputs], rules, builders)
    cells = [withhold(built[cell.key], reasons[cell.key]) for cell in inputs]
    cells, populations = apply_series_rule(
        cells,
        baseline_populations(inputs),
        read_history(con, quarter) if history is None else history,
        quarter,
        rules,
    )
    texts: dict[int, str] = {}  # each member's text, shared by its use-case cell and ENSEMBLE row
    contributions = {(cell.use_case, cell.labels["kpi"]): member_digests(cell, texts) for cell in inputs}
    tables = {group: builder(reasons) for group, builder in builders.items()}
    return cells, contributions, tables, populations


def compute_benchmark(
    con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules, edition: int = 0
) -> list[BenchmarkCell]:
    """The publishable benchmark of a quarter, as a first edition would publish it."""
    return compute_benchmark_release(con, quarter, rules, edition)[0]
