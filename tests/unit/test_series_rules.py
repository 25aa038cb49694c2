"""Publication rules v3 worked by hand: the p % rule (warehouse/disclosure.py) and the series rule on
baselines across quarters (warehouse/series.py)."""

from __future__ import annotations

import pytest

from warehouse.disclosure import Rules, sensitivity_reason
from warehouse.series import BaselineRecord, decide

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
