"""The cells of the benchmark, built from one row per experimentation (disclosure/cell_inputs.py).

A cell is (use case, KPI) or (ENSEMBLE, KPI); its members are its experimentations. This module
computes a cell's statistics before disclosure control, the shares used by the dominance rule, the
additive figures the audit protects, and a digest of each establishment's inputs (for editions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np

from disclosure.audit import Figure
from disclosure.rules import (
    SECONDARY_REASON,
    Key,
    Rules,
    Support,
    dominance_reason,
    largest_share,
    sensitivity_reason,
)
from disclosure.stats import median_interval, wilson_interval

TOTAL = "ENSEMBLE"
TOTAL_LABEL = "Ensemble des cas d'usage"
PILOT_FRACTIONS = (0.5, 0.10, 0.25, 0.75, 0.90)
ADDITIVE_KINDS = ("count", "amount_eur")  # KPIs whose values add up (the others are levels)


class Member(NamedTuple):
    """One experimentation's figures for one KPI and quarter (a named tuple: a national quarter holds
    about a million of them, shared by the use-case cell and its ENSEMBLE row)."""

    use_case: str
    finess: str
    baseline: float | None
    pilot: float
    relative_change: float | None
    improved: bool | None
    meets_threshold: bool | None
    numerator: float | None
    denominator: float | None
    baseline_numerator: float | None
    baseline_denominator: float | None
    pilot_weight: float | None
    baseline_weight: float | None
    patients: float | None
    baseline_patients: float | None


@dataclass(frozen=True)
class CellInput:
    """A cell and its members, with the labels and reference data of its KPI."""

    use_case: str
    labels: dict[str, Any]  # the columns every published row keeps (labels, unit, kind, threshold...)
    min_value: float
    max_value: float
    members: tuple[Member, ...]

    @property
    def key(self) -> Key:
        return (self.use_case, self.labels["domain"], self.labels["kpi"])

    @property
    def group(self) -> Key:
        return (self.labels["domain"], self.labels["kpi"])

    @property
    def is_total(self) -> bool:
        return self.use_case == TOTAL

    @property
    def kind(self) -> str:
        return str(self.labels["kind"])

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """What was computed from the members, by what it was asked with (a cell of a national quarter
        has thousands of members and its dominance and figures are asked for again and again)."""
        return {}


def support_of(cell: CellInput) -> Support:
    return Support(
        key=cell.key,
        group=cell.group,
        is_total=cell.is_total,
        establishments=frozenset(m.finess for m in cell.members),
        n_experimentations=len(cell.members),
        patients=known_sum(m.patients for m in cell.members),
        baseline_patients=known_sum(m.baseline_patients for m in cell.members),
    )


def known_sum(values: Any) -> float | None:
    known = [float(v) for v in values if v is not None]
    return sum(known) if known else None


def quantiles(values: list[float], fractions: tuple[float, ...]) -> list[float | None]:
    """Quantiles with linear interpolation (DuckDB's quantile_cont, numpy's default)."""
    if not values:
        return [None] * len(fractions)
    return [float(q) for q in np.quantile(np.array(values, dtype=float), fractions)]


# --- linear statistics -------------------------------------------------------------------------


FINESS = attrgetter("finess")
SIDES = {
    "pilot": attrgetter("pilot", "numerator", "denominator", "pilot_weight"),
    "baseline": attrgetter("baseline", "baseline_numerator", "baseline_denominator", "baseline_weight"),
}


def side(member: Member, phase: str) -> tuple[float | None, float | None, float | None, float | None]:
    """(value, numerator, denominator, weight) of a member's pilot or baseline."""
    return SIDES[phase](member)  # type: ignore[no-any-return]


def sides_of(members: list[Member], phase: str) -> list[tuple[Any, Any, Any, Any]]:
    """side() of every member (a national cell has thousands: one C-level pass)."""
    return list(map(SIDES[phase], members))


def linear_population(members: list[Member]) -> list[Member]:
    """The members every linear statistic of a row rests on (one population per row): those with a
    reference value when any has one, so that the pilot mean, the baseline mean and the mean change are
    over the same experimentations; all of them when none has one."""
    return [m for m in members if m.baseline is not None] or members


def mean_method(members: list[Member], phase: str, kind: str) -> str:
    """pooled (rates with counts), weighted (every value has its patients) or plain."""
    sides = sides_of(members, phase)
    counted = all(s[1] is not None and s[2] is not None for s in sides)
    if kind == "rate" and counted and sum(float(s[2] or 0) for s in sides) > 0:
        return "pooled"
    if all(s[3] is not None for s in sides) and sum(float(s[3] or 0) for s in sides) > 0:
        return "weighted"
    return "plain"


def linear_mean(members: list[Member], phase: str, kind: str) -> float | None:
    """The cell's mean of one phase: pooled rate, patient-weighted mean, or plain mean."""
    if not members:
        return None
    sides = sides_of(members, phase)
    method = mean_method(members, phase, kind)
    if method == "pooled":
        return 100 * sum(float(s[1] or 0) for s in sides) / sum(float(s[2] or 0) for s in sides)
    if method == "weighted":
        total = sum(float(s[3] or 0) for s in sides)
        return sum(float(s[0] or 0) * float(s[3] or 0) for s in sides) / total
    return sum(float(s[0] or 0) for s in sides) / len(sides)


def mean_weights(members: list[Member], phase: str, kind: str) -> list[tuple[str, float]]:
    """Each member's weight in its mean: its amount for euros, else its patients (1 in a plain mean)."""
    method = mean_method(members, phase, kind)
    weights = []
    for member, (value, _, denominator, weight) in zip(members, sides_of(members, phase), strict=True):
        if kind == "amount_eur":
            weights.append((member.finess, float(value or 0)))
        elif method == "pooled":
            weights.append((member.finess, float(denominator or 0)))
        elif method == "weighted":
            weights.append((member.finess, float(weight or 0)))
        else:
            weights.append((member.finess, 1.0))
    return weights


def additive_parts(members: list[Member], phase: str, kind: str) -> list[list[tuple[str, float]]]:
    """Every additive figure a phase's linear statistics rest on, as (finess, part): the values of
    counts and amounts, the numerators, denominators and effectifs (weights) when every member has one."""
    sides = list(zip(map(FINESS, members), sides_of(members, phase), strict=True))
    parts = [[(finess, float(s[0] or 0)) for finess, s in sides]] if kind in ADDITIVE_KINDS else []
    for position in (1, 2, 3):
        if sides and all(s[position] is not None for _, s in sides):
            parts.append([(finess, float(s[position] or 0)) for finess, s in sides])
    return parts


def dominance(cell: CellInput, rules: Rules) -> tuple[str | None, str | None]:
    """dominance_of, computed once per cell and rules."""
    key = ("dominance", rules)
    if key not in cell.memo:
        cell.memo[key] = dominance_of(cell, rules)
    return cell.memo[key]  # type: ignore[no-any-return]


def dominance_of(cell: CellInput, rules: Rules) -> tuple[str | None, str | None]:
    """Why the means and why the shares of a cell are withheld. Means: one establishment holds more
    than `max_dominance` of an additive figure or of the weights, the p % rule fails on an additive
    figure, or fewer than `min_establishments` have a reference value. Shares: fewer than `min_share`
    experimentations. An establishment's share of the experimentations withholds both."""
    members = list(cell.members)
    population = linear_population(members)
    with_baseline = [m for m in members if m.baseline is not None]
    crowded = dominance_reason([largest_share((m.finess, 1.0) for m in members)], rules)
    small = f"moins de {rules.min_share} expérimentations" if len(members) < rules.min_share else None
    few = None
    if len({m.finess for m in population}) < rules.min_establishments:
        few = f"moins de {rules.min_establishments} établissements ayant une valeur de référence"
    weights = [largest_share(mean_weights(population, "pilot", cell.kind))]
    if with_baseline:
        weights.append(largest_share(mean_weights(with_baseline, "baseline", cell.kind)))
    phases = (("pilot", population), ("baseline", with_baseline))
    sensitive = [sensitivity_reason(part, rules) for phase, chosen in phases
                 for part in additive_parts(chosen, phase, cell.kind)]  # fmt: skip
    means = crowded or few or dominance_reason(weights, rules) or next((r for r in sensitive if r), None)
    return means, crowded or small


def raw_statistics(cell: CellInput) -> dict[str, Any]:
    """Every statistic of a cell before disclosure control and rounding."""
    members = list(cell.members)
    pilots = [m.pilot for m in members]
    baselines = [m.baseline for m in members if m.baseline is not None]
    both = [m for m in members if m.baseline is not None]
    changes = sorted(m.relative_change for m in members if m.relative_change is not None)
    median, p10, p25, p75, p90 = quantiles(pilots, PILOT_FRACTIONS)
    interval = median_interval(changes)
    population = linear_population(members)
    rate = pooled_rate(population) if cell.kind == "rate" else (None, None, None)
    threshold = cell.labels["threshold"]
    both_pilot, both_baseline = (
        linear_mean(both, "pilot", cell.kind),
        linear_mean(both, "baseline", cell.kind),
    )
    return {
        "baseline_median": quantiles(baselines, (0.5,))[0],
        "pilot_median": median,
        "pilot_p10": p10,
        "pilot_p25": p25,
        "pilot_p75": p75,
        "pilot_p90": p90,
        "pooled_rate": rate[0],
        "pooled_rate_low": rate[1],
        "pooled_rate_high": rate[2],
        "share_improved": sum(bool(m.improved) for m in both) / len(both) if both else None,
        "median_relative_change": quantiles(changes, (0.5,))[0],
        "median_relative_change_low": interval[0] if interval else None,
        "median_relative_change_high": interval[1] if interval else None,
        "share_threshold_met": (
            sum(bool(m.meets_threshold) for m in members) / len(members) if threshold is not None else None
        ),
        "baseline_mean": both_baseline,
        "pilot_mean": linear_mean(population, "pilot", cell.kind),
        "mean_change": None if both_pilot is None or both_baseline is None else both_pilot - both_baseline,
    }


def pooled_rate(members: list[Member]) -> tuple[float | None, float | None, float | None]:
    """100 Σnum/Σden with its 95 % Wilson interval, when every member carries counts."""
    if any(m.numerator is None or m.denominator is None for m in members):
        return None, None, None
    numerator = sum(float(m.numerator or 0) for m in members)
    denominator = sum(float(m.denominator or 0) for m in members)
    interval = wilson_interval(numerator, denominator)
    if interval is None:
        return None, None, None
    return 100 * numerator / denominator, 100 * interval[0], 100 * interval[1]


# --- additive figures for the audit ------------------------------------------------------------

PAIRS = (("pilot_num", "pilot_den"), ("pilot_num_new", "pilot_den_new"), ("baseline_num", "baseline_den"))


def additive_figures(
    cell: CellInput, reason: str | None, dominated: tuple[str | None, str | None]
) -> dict[str, Figure]:
    """figures_of, computed once per cell, reason and dominance (secondary suppression rebuilds a table
    after each trial; most of its cells keep their reason)."""
    key = ("figures", reason, dominated)
    if key not in cell.memo:
        cell.memo[key] = figures_of(cell, reason, dominated)
    return dict(cell.memo[key])


def figures_of(
    cell: CellInput, reason: str | None, dominated: tuple[str | None, str | None]
) -> dict[str, Figure]:
    """The figures of a cell the published tables add up, with what the published row gives away.

    `reason`: why the row is withheld (None: published; its means and shares then are, unless
    `dominated`, see dominance()). The figures a primary or dominance rule withholds are protected;
    a row withheld only to protect another (secondary) hides its figures without protecting them.
    """
    members = list(cell.members)
    both = [m for m in members if m.baseline is not None]
    fresh = [m for m in members if m.baseline is None]  # in the row's pilot mean only when `both` is empty
    n = len(members)
    low, high = min(cell.min_value, 0.0), max(cell.max_value, 0.0)
    pilot_method = mean_method(linear_population(members), "pilot", cell.kind)
    baseline_method = mean_method(both, "baseline", cell.kind) if both else "none"
    means_reason, shares_reason = dominated
    shown, primary = reason is None, reason is not None and reason != SECONDARY_REASON
    counts_shown, means_shown = shown and not shares_reason, shown and not means_reason

    def figure(value: float, lower: float, upper: float, published: bool, family: str) -> Figure:
        family_shown, dominated = (
            (means_shown, means_reason) if family == "means" else (counts_shown, shares_reason)
        )
        return Figure(value, lower, upper, published and family_shown, primary or dominated is not None)

    # the pilot figures of the members with a reference value and of those without add up apart
    # (ENSEMBLE = Σ use cases for each); a row publishes those of its linear population only
    pilots = {"": both, "_new": fresh}
    published_pilots = "" if both else "_new"
    figures = {
        f"pilot_sum{suffix}": figure(sum(m.pilot for m in chosen), len(chosen) * low, len(chosen) * high,
                                     pilot_method == "plain" and suffix == published_pilots, "means")
        for suffix, chosen in pilots.items() if chosen
    }  # fmt: skip
    if both:  # a cell without baselines adds nothing to the baseline figures of its table
        figures["improved"] = figure(sum(bool(m.improved) for m in both), 0, n, True, "counts")
        figures["baseline_sum"] = figure(
            sum(float(m.baseline or 0) for m in both),
            n * low,
            n * high,
            baseline_method == "plain",
            "means",
        )
    if cell.labels["threshold"] is not None:
        figures["threshold"] = figure(sum(bool(m.meets_threshold) for m in members), 0, n, True, "counts")
    if cell.kind == "rate":
        groups = (("pilot", "", both, pilot_method == "pooled" and published_pilots == ""),
                  ("pilot", "_new", fresh, pilot_method == "pooled" and published_pilots == "_new"),
                  ("baseline", "", both, baseline_method == "pooled"))  # fmt: skip
        for phase, suffix, chosen, shown_sums in groups:
            if not chosen:
                continue
            sides = sides_of(chosen, phase)
            for name, position in (("num", 1), ("den", 2)):
                total = sum(float(s[position] or 0) for s in sides)
                figures[f"{phase}_{name}{suffix}"] = figure(total, 0, np.inf, shown_sums, "means")
    return figures
