"""The audits' shared solver (disclosure/lp.py): one HiGHS model per system, only the objective
changed between figures and between min and max, must bound every figure as a fresh solve does."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from disclosure.lp import linear_ranges


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(st.floats(0, 20), st.floats(0, 30), st.booleans()), min_size=n, max_size=n),
    st.lists(st.lists(st.sampled_from([0.0, 1.0, -1.0, 2.5]), min_size=n, max_size=n), min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2),
    st.lists(st.lists(st.sampled_from([0.0, 1.0, -1.0, 0.5]), min_size=n, max_size=n), min_size=1, max_size=4),
)))  # fmt: skip
def test_one_model_bounds_every_figure_as_a_fresh_solve_does(
    case: tuple[list[tuple[float, float, bool]], list[list[float]], list[tuple[int, int]], list[list[float]]],
) -> None:
    boxes, sums, pairs, objectives = case
    bounds = [(low, low + width if finite else math.inf) for low, width, finite in boxes]
    point = [low + min(width, 10.0) / 2 for low, width, _ in boxes]  # feasible: the sums at this point
    pairs = [(a, b) for a, b in pairs if a != b and point[a] <= point[b]]
    equalities = [([(v, c) for v, c in enumerate(row) if c], float(np.dot(row, point))) for row in sums]
    upper = [([(a, 1.0), (b, -1.0)], 0.0) for a, b in pairs]
    forms = [[(v, c) for v, c in enumerate(row) if c] for row in objectives]
    ours = linear_ranges(forms, equalities, upper, bounds)
    a_ub = [[1.0 if v == a else -1.0 if v == b else 0.0 for v in range(len(bounds))] for a, b in pairs]
    for objective, (low, high) in zip(objectives, ours, strict=True):
        ends = []
        for sign in (1.0, -1.0):
            result = linprog(sign * np.array(objective), A_eq=np.array(sums), b_eq=[b for _, b in equalities],
                             A_ub=np.array(a_ub) if a_ub else None, b_ub=[0.0] * len(a_ub) if a_ub else None,
                             bounds=bounds, method="highs")  # fmt: skip
            ends.append(-sign * math.inf if result.status == 3 else sign * result.fun)
        for mine, theirs in zip((low, high), ends, strict=True):
            assert mine == pytest.approx(theirs, abs=1e-6, rel=1e-7) or (math.isinf(mine) and mine == theirs)


OFFSETS = (-0.5, -0.1, 0.1, 0.5)  # of a goal from the true end, in units of 1 + |end|


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(st.floats(0, 20), st.floats(0, 30)), min_size=n, max_size=n),
    st.lists(st.lists(st.sampled_from([0.0, 1.0, -1.0, 2.5]), min_size=n, max_size=n), min_size=1, max_size=3),
    st.lists(st.tuples(st.lists(st.sampled_from([0.0, 1.0, -1.0, 0.5]), min_size=n, max_size=n),
                       st.sampled_from(OFFSETS), st.sampled_from(OFFSETS)), min_size=1, max_size=8),
)))  # fmt: skip
def test_with_goals_a_range_reaches_them_exactly_when_the_true_range_does_and_a_miss_is_exact(
    case: tuple[list[tuple[float, float]], list[list[float]], list[tuple[list[float], float, float]]],
) -> None:
    """The joint audit asks only whether each range reaches ±level of its figure: an end a point found
    earlier already reaches is not solved again, but the verdict is the exact one, and a figure that
    fails is reported with its true bounds."""
    boxes, sums, asked = case
    bounds = [(low, low + width) for low, width in boxes]
    point = [low + width / 2 for low, width in boxes]
    equalities = [([(v, c) for v, c in enumerate(row) if c], float(np.dot(row, point))) for row in sums]
    forms = [[(v, c) for v, c in enumerate(row) if c] for row, _, _ in asked]
    exact = linear_ranges(forms, equalities, [], bounds)
    goals = []
    for (low, high), (_, below, above) in zip(exact, asked, strict=True):
        # goals on either side of each true end, never on it (where the solver's tolerance decides)
        goals.append((low + below * (abs(low) + 1), high + above * (abs(high) + 1)))
    ours = linear_ranges(forms, equalities, [], bounds, goals)
    for (low, high), (goal_low, goal_high), (mine_low, mine_high) in zip(exact, goals, ours, strict=True):
        reached = low <= goal_low and high >= goal_high
        assert (mine_low <= goal_low and mine_high >= goal_high) == reached
        if reached:  # a feasible point's values: inside the true range
            assert low - 1e-6 <= mine_low and mine_high <= high + 1e-6
        else:
            assert (mine_low, mine_high) == pytest.approx((low, high), abs=1e-6, rel=1e-7)


def test_a_system_the_published_figures_contradict_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="not solved"):
        linear_ranges([[(0, 1.0)]], [([(0, 1.0), (1, 1.0)], 100.0)], [], [(0.0, 8.0), (0.0, 8.0)])
