"""Publication rules v3 worked by hand: the p % rule (disclosure/rules.py) and the series rule on
baselines across quarters (disclosure/series.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from disclosure.rules import Rules, sensitivity_reason
from disclosure.series import BaselineRecord, apply_series_rule, decide

RULES = Rules()


def members(*finess: str) -> frozenset[str]:
    return frozenset(f"UC01/{f}" for f in finess)


@pytest.mark.parametrize(
    ("parts", "rule"),
    [
        ([50000, 30000, 2000], "p %"),  # the 2nd takes 52000 − 30000 for 50000: 4 % off
        ([50000, 30000, 6000], None),  # 12 % off: published
        ([9000, 250, 180], "85 %"),  # one holds 96 %
        ([300, 100, 20], "p %"),  # denominators: 20 < 10 % of 300
        ([100, 90, 80], None),
        ([-500, 300, 250], None),  # magnitudes count (amounts may be negative)
    ],
)
def test_dominance_and_p_percent(parts: list[float], rule: str | None) -> None:
    reason = sensitivity_reason([(f"E{i}", value) for i, value in enumerate(parts)], RULES)
    assert (reason is None) if rule is None else (reason is not None and rule in reason)


def test_one_establishment_reported_twice_counts_once() -> None:
    # two experimentations of E0 (ENSEMBLE): its parts add up before the rule
    assert sensitivity_reason([("E0", 45), ("E0", 45), ("E1", 10)], RULES) is not None


HISTORY = [
    BaselineRecord("2025-T2", 1, members("A", "B", "C", "D"), 148.0),
    BaselineRecord("2025-T3", 1, members("A", "B", "C", "D", "E"), None),
]


@pytest.mark.parametrize(
    ("population", "verdict"),
    [
        (members("A", "B", "C", "D", "E"), ("withhold", None)),  # same as T3, where it was withheld
        (members("A", "B", "C", "D", "E", "F"), ("withhold", None)),  # 1 joined since T3, 2 since T2
        (members("A", "B", "C", "D", "E", "F", "G"), ("withhold", None)),  # 2 since T3
        (members("A", "B", "C", "D", "E", "F", "G", "H"), ("new", None)),  # 3 since T3, 4 since T2
        (members("B", "C", "D", "E", "F", "G", "H"), ("new", None)),  # A left, 3 joined: 4 moved
    ],
)
def test_baselines_move_only_with_3_establishments(population: frozenset[str], verdict: tuple) -> None:
    assert decide(population, HISTORY, "2025-T4", RULES) == verdict


def test_same_members_keep_the_figure_a_held_correction_included() -> None:
    history = [BaselineRecord("2025-T3", 2, members("A", "B", "C"), 148.0)]
    assert decide(members("A", "B", "C"), history, "2025-T4", RULES) == ("keep", 148.0)
    assert decide(members("A", "B", "C"), [], "2025-T4", RULES) == ("new", None)


@dataclass(frozen=True)
class Row:
    """The columns of a published benchmark row the series rule reads and writes."""

    use_case: str
    baseline_mean: float | None
    baseline_median: float | None
    pilot_mean: float | None
    mean_change: float | None
    kpi: str = "ATT_CANDIDATURES"
    unit: str = "nombre"
    withheld: bool = False
    linear_withheld_reason: str | None = None


def run_rule(row: Row, population: frozenset[str]) -> Row:
    history = {("UC01", row.kpi): [BaselineRecord("2025-T3", 1, members(*"ABCDEFGHIJ"), 100.0)]}
    (out,), _ = apply_series_rule([row], {("UC01", row.kpi): population}, history, "2025-T4", RULES)
    return out


def test_one_newcomer_withholds_the_baseline_mean_change_and_median() -> None:
    out = run_rule(Row("UC01", 105.0, 104.0, 120.0, 15.0), members(*"ABCDEFGHIJK"))
    assert (out.baseline_mean, out.mean_change, out.baseline_median) == (None, None, None)
    assert out.pilot_mean == 120.0 and out.linear_withheld_reason.startswith("référence non republiée")


def test_same_members_keep_the_published_mean_and_a_dominated_row_stays_without_one() -> None:
    out = run_rule(Row("UC01", 103.0, 104.0, 120.0, 17.0), members(*"ABCDEFGHIJ"))
    assert (out.baseline_mean, out.mean_change, out.baseline_median) == (100.0, 20.0, None)
    dominated = run_rule(Row("UC01", None, 104.0, None, None), members(*"ABCDEFGHIJ"))
    assert dominated.baseline_mean is None and dominated.baseline_median is None
