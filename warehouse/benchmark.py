"""The quarter's benchmark and ROI tables as they are published: statistics of the marts, interval
estimates, then primary and secondary suppression (withheld statistics are None, never 0).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import duckdb

from warehouse.disclosure import Rules, Support, withholding_reasons
from warehouse.queries import fetch_dicts
from warehouse.stats import median_interval, wilson_interval

TOTAL = "ENSEMBLE"
DECIMALS = 6  # published precision; also absorbs the last-bit noise of parallel floating-point sums


@dataclass(frozen=True)
class BenchmarkCell:
    """One published row of data/benchmark.csv: (quarter, use case, domain, KPI) after disclosure control."""

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


# What a withheld row keeps: who it is about and how many establishments (not disclosive in itself).
KEPT_WHEN_WITHHELD = {
    "edition",
    "quarter",
    "use_case",
    "use_case_label",
    "use_case_illustrative",
    "domain",
    "domain_label",
    "kpi",
    "kpi_label",
    "unit",
    "kind",
    "direction",
    "n_establishments",
    "n_experimentations",
    "threshold",
}


def rounded(value: float | None) -> float | None:
    """A statistic at the published precision."""
    return None if value is None else round(float(value), DECIMALS)


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def meets(value: float | None, threshold: float | None, direction: str) -> bool | None:
    """Whether a value reaches the KPI's threshold, in the KPI's direction."""
    if value is None or threshold is None:
        return None
    return value <= threshold if direction == "lower_is_better" else value >= threshold


def pooled_rate(row: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """100 Σnum/Σden with its 95 % Wilson interval, for a rate cell whose rows all carry counts."""
    numerator, denominator = row["pooled_numerator"], row["pooled_denominator"]
    if numerator is None or not denominator:
        return None, None, None
    interval = wilson_interval(numerator, denominator)
    if interval is None:
        return None, None, None
    return 100 * numerator / denominator, 100 * interval[0], 100 * interval[1]


def statistics(row: dict[str, Any]) -> dict[str, Any]:
    """Every published statistic of a mart row, before disclosure control."""
    rate, rate_low, rate_high = pooled_rate(row)
    interval = median_interval(row["relative_changes"] or [])
    values = {
        "baseline_median": row["baseline_median"],
        "pilot_median": row["pilot_median"],
        "pilot_p10": row["pilot_p10"],
        "pilot_p25": row["pilot_p25"],
        "pilot_p75": row["pilot_p75"],
        "pilot_p90": row["pilot_p90"],
        "pooled_rate": rate,
        "pooled_rate_low": rate_low,
        "pooled_rate_high": rate_high,
        "share_improved": ratio(row["n_improved"], row["n_with_baseline"]),
        "median_relative_change": row["median_relative_change"],
        "median_relative_change_low": interval[0] if interval else None,
        "median_relative_change_high": interval[1] if interval else None,
        "share_threshold_met": (
            ratio(row["n_meeting_threshold"], row["n_experimentations"])
            if row["threshold"] is not None
            else None
        ),
    }
    rounded_values: dict[str, Any] = {name: rounded(value) for name, value in values.items()}
    rounded_values["threshold_met"] = meets(row["pilot_median"], row["threshold"], row["direction"])
    return rounded_values


def support_of(row: dict[str, Any], group: tuple[str, ...]) -> Support:
    key = (row["use_case"], row["domain"], row["kpi"])
    return Support(
        key=key,
        group=group,
        is_total=row["is_total"],
        establishments=frozenset(row["establishments"]),
        n_experimentations=row["n_experimentations"],
        patients=row.get("patients"),
        baseline_patients=row.get("baseline_patients"),
    )


def withhold(cell: Any, reason: str | None) -> Any:
    """The row as published: statistics emptied (None, never 0) when there is a reason."""
    if reason is None:
        return replace(cell, withheld=False, withheld_reason=None)
    kept = KEPT_WHEN_WITHHELD | {"withheld", "withheld_reason"}
    emptied = {f.name: None for f in fields(cell) if f.name not in kept}
    return replace(cell, **emptied, withheld=True, withheld_reason=reason)


def build_cell(row: dict[str, Any], edition: int) -> BenchmarkCell:
    labels = {name: row[name] for name in KEPT_WHEN_WITHHELD - {"edition"}}
    return BenchmarkCell(edition=edition, **labels, **statistics(row), withheld=False, withheld_reason=None)


def compute_benchmark(
    con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules, edition: int = 0
) -> list[BenchmarkCell]:
    """The publishable benchmark of a quarter; groups for secondary suppression are (domain, KPI)."""
    rows = fetch_dicts(con, "benchmark_cells", {"quarter": quarter})
    supports = [support_of(row, (row["domain"], row["kpi"])) for row in rows]
    reasons = withholding_reasons(supports, rules)
    return [
        withhold(build_cell(row, edition), reasons[support.key])
        for row, support in zip(rows, supports, strict=True)
    ]


def build_roi_cell(row: dict[str, Any], edition: int) -> RoiCell:
    return RoiCell(
        edition=edition,
        quarter=row["quarter"],
        use_case=row["use_case"],
        use_case_label=row["use_case_label"],
        n_establishments=row["n_establishments"],
        n_experimentations=row["n_experimentations"],
        roi_median=rounded(row["roi_median"]),
        roi_p25=rounded(row["roi_p25"]),
        roi_p75=rounded(row["roi_p75"]),
        share_positive=rounded(row["share_positive"]),
        withheld=False,
        withheld_reason=None,
    )


def compute_roi(
    con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules, edition: int = 0
) -> list[RoiCell]:
    """The publishable ROI table of a quarter: one row per use case and an ENSEMBLE row."""
    rows = fetch_dicts(con, "roi_cells", {"quarter": quarter})
    supports = [
        Support(
            key=(row["use_case"],),
            group=("ROI",),
            is_total=row["is_total"],
            establishments=frozenset(row["establishments"]),
            n_experimentations=row["n_experimentations"],
        )
        for row in rows
    ]
    reasons = withholding_reasons(supports, rules)
    return [
        withhold(build_roi_cell(row, edition), reasons[support.key])
        for row, support in zip(rows, supports, strict=True)
    ]
