"""The attacker's linear programmes (disclosure/audit.py) on tables small enough to solve by hand."""

from __future__ import annotations

import math

import pytest

from disclosure.audit import Figure, LinkedTable, audit_table

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
