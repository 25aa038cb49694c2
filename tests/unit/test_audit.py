"""The attacker's linear programmes (disclosure/audit.py) on tables small enough to solve by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure.audit import Figure, LinkedTable, audit_table, one_sum_range
from disclosure.lp import linear_ranges

TOTAL = ("ENSEMBLE",)


def count(value: float, n: int, published: bool, protected: bool = False) -> Figure:
    return Figure(value, 0.0, n, published, protected)


def table(cells: dict[tuple[str, ...], dict[str, Figure]]) -> LinkedTable:
    return LinkedTable(("QUA", "QUA_DMS"), TOTAL, cells, (("num", "den"),))


def test_one_withheld_cell_under_a_published_total_is_recomputed_and_named() -> None:
    cells = {
        ("UC01",): {"improved": count(4, 6, True)},
        ("UC02",): {"improved": count(1, 2, False, protected=True)},
        TOTAL: {"improved": count(5, 8, True)},
    }
    (failure,) = audit_table(table(cells), 0.2)
    assert (failure.cell, failure.measure) == (("UC02",), "improved")
    assert (failure.low, failure.high) == (pytest.approx(1), pytest.approx(1))
    assert "UC02" in failure.describe()


def test_two_withheld_cells_bounded_by_their_sizes() -> None:
    # x2 + x3 = 9 - 4 = 5 with x2 in [0, 1] and x3 in [0, 6]: x2 in [0, 1], x3 in [4, 5]
    cells = {
        ("UC01",): {"improved": count(4, 6, True)},
        ("UC02",): {"improved": count(1, 1, False, protected=True)},
        ("UC03",): {"improved": count(4, 6, False)},
        TOTAL: {"improved": count(9, 14, True)},
    }
    assert audit_table(table(cells), 0.2) == []  # UC02 (1) can be 0 or 1: all its size allows
    cells[("UC03",)] = {"improved": count(4, 6, False, protected=True)}
    (failure,) = audit_table(table(cells), 0.2)  # UC03 >= 4 > 4 - 0.8: its lower side is exposed
    assert (failure.cell, failure.low, failure.high) == (("UC03",), pytest.approx(4), pytest.approx(5))


def test_numerators_stay_below_denominators_and_an_unpublished_total_frees_everything() -> None:
    def rate(num: float, den: float, published: bool, protected: bool = False) -> dict[str, Figure]:
        return {
            "num": Figure(num, 0.0, math.inf, published, protected),
            "den": Figure(den, 0.0, math.inf, published, protected),
        }

    cells = {("UC01",): rate(30, 100, True), ("UC02",): rate(5, 9, False, True), TOTAL: rate(35, 109, True)}
    failures = audit_table(table(cells), 0.2)
    assert {(f.measure, round(f.low, 6), round(f.high, 6)) for f in failures} == {
        ("num", 5, 5),
        ("den", 9, 9),
    }
    cells[TOTAL] = rate(35, 109, False)
    assert audit_table(table(cells), 0.2) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-50, 50),
            st.floats(0, 40),
            st.sampled_from([1.0, -1.0]),
            st.booleans(),
        ),
        min_size=1,
        max_size=8,
    ),
    st.data(),
)
def test_one_sum_in_closed_form_matches_the_solver(
    terms: list[tuple[float, float, float, bool]], data: st.DataObject
) -> None:
    # a feasible programme: the right side is the sum at a point inside the bounds
    bounds = [(low, low + width if finite else math.inf) for low, width, _, finite in terms]
    row = np.array([[sign for _, _, sign, _ in terms]])
    point = [low + (min(width, 10.0) / 2) for low, width, _, _ in terms]
    rhs = np.array([float(row[0] @ np.array(point))])
    target = data.draw(st.integers(0, len(terms) - 1))
    closed = one_sum_range(target, row, rhs, bounds)
    form = [(i, sign) for i, (_, _, sign, _) in enumerate(terms)]
    (solved,) = linear_ranges([[(target, 1.0)]], [(form, float(rhs[0]))], [], bounds)
    for ours, theirs in zip(closed, solved, strict=True):
        assert ours == pytest.approx(theirs, abs=1e-6) or (math.isinf(ours) and ours == theirs)
