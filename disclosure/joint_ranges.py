"""The range of a protected figure over one component of the joint audit (disclosure/joint_lp.py): in
closed form when the component is one unknown under at most one sum, else with HiGHS
(disclosure/lp.py), the unknowns that nothing tells apart merged first.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from disclosure.audit import Figure, one_sum_range, wanted_interval
from disclosure.lp import linear_ranges

Objective = tuple[tuple[int, float], ...]  # Σ c·x over a component's variables, sorted


def goal(figure: Figure, level: float, scale: float) -> tuple[float, float]:
    """The ends (in the programme's unit) a range reaching which passes disclosure/audit.is_protected:
    ±level×|value| within the known bounds. A figure whose wanted interval is within the tolerance has
    no goal a witness can meet (-inf, +inf): both its ends are solved."""
    low, high = wanted_interval(figure, level)
    if high - low <= 2e-6 * max(scale, abs(figure.value)):  # the "single point" test needs the exact ends
        return -np.inf, np.inf
    return low / scale, high / scale


def closed_form(
    objective: Objective,
    equalities: dict[Objective, float],
    pairs: list[tuple[int, int]],
    bounds: list[tuple[float, float]],
) -> tuple[float, float] | None:
    """The range of Σ c·x over the component when, once the unknowns that nothing tells apart are
    merged, it is one unknown under at most one sum (disclosure/audit.one_sum_range); else None."""
    if pairs or sum(1 for form in equalities if form) > 1:
        return None  # merging keeps every pair and every equality: no closed form, and no merge needed
    (objective,), forms, rhs, pairs, bounds = merge_alike([objective], equalities, pairs, bounds)
    if len(objective) != 1 or pairs or len(forms) > 1:
        return None
    (target, coefficient), size = objective[0], len(bounds)
    a_eq = b_eq = None
    for form, value in zip(forms, rhs, strict=True):
        a_eq, b_eq = np.zeros((1, size)), np.array([value])
        for v, c in form:
            a_eq[0][v] = c
    low, high = one_sum_range(target, a_eq, b_eq, bounds)
    ends = (coefficient * low, coefficient * high)
    return min(ends), max(ends)


def ranges_of(
    objectives: list[Objective],
    equalities: dict[Objective, float],
    pairs: list[tuple[int, int]],
    bounds: list[tuple[float, float]],
    goals: list[tuple[float, float]],
) -> list[tuple[float, float]]:
    """The range of each Σ c·x over the component with HiGHS, the unknowns that no equality, pair or
    objective tells apart merged first; an end reaching its goal may be a feasible point's value
    rather than the optimum (disclosure/lp.linear_ranges)."""
    objectives, forms, rhs, pairs, bounds = merge_alike(objectives, equalities, pairs, bounds)
    return cached_ranges(
        tuple(objectives), tuple(forms), tuple(rhs), tuple(pairs), tuple(bounds), tuple(goals)
    )


def merge_alike(
    objectives: list[Objective],
    equalities: dict[Objective, float],
    pairs: list[tuple[int, int]],
    bounds: list[tuple[float, float]],
) -> tuple[list[Objective], list[Objective], list[float], list[tuple[int, int]], list[tuple[float, float]]]:
    """Unknowns outside every pair whose coefficients agree in every objective and in every equality
    are one unknown (their sum spans the sum of their boxes): a use-case cell split by peer group
    under ENSEMBLE, a cell met in no other row. Equalities left with no unknown are dropped."""
    column: dict[int, list[tuple[int, float]]] = {}
    for r, form in enumerate(equalities):
        for v, c in form:
            column.setdefault(v, []).append((r, c))
    in_pair = {v for pair in pairs for v in pair}
    goals: dict[int, list[tuple[int, float]]] = {}  # variable -> its nonzero (objective, coefficient)
    for j, objective in enumerate(objectives):
        for v, c in objective:
            if c:
                goals.setdefault(v, []).append((j, c))
    groups: dict[tuple[Any, ...], int] = {}
    new_of: dict[int, int] = {}
    merged: list[tuple[float, float]] = []
    for v in range(len(bounds)):
        coefficients = tuple(goals.get(v, ()))
        key: tuple[Any, ...] = ("alone", v) if v in in_pair else (coefficients, tuple(column.get(v, ())))
        if v not in in_pair and not coefficients and key[1] == ():
            continue  # in nothing: no constraint, no objective
        if key not in groups:
            groups[key] = len(merged)
            merged.append((0.0, 0.0))
        i = groups[key]
        merged[i] = (merged[i][0] + bounds[v][0], merged[i][1] + bounds[v][1])
        new_of[v] = i
    new_objectives = [tuple(sorted({new_of[v]: c for v, c in objective}.items())) for objective in objectives]
    forms, rhs = [], []
    for form, value in equalities.items():
        mapped = tuple(sorted({new_of[v]: c for v, c in form}.items()))
        if mapped:
            forms.append(mapped)
            rhs.append(value)
    return new_objectives, forms, rhs, [(new_of[a], new_of[b]) for a, b in pairs], merged


@lru_cache(maxsize=65536)
def cached_ranges(
    objectives: tuple[Objective, ...],
    forms: tuple[Objective, ...],
    rhs: tuple[float, ...],
    pairs: tuple[tuple[int, int], ...],
    bounds: tuple[tuple[float, float], ...],
    goals: tuple[tuple[float, float], ...],
) -> list[tuple[float, float]]:
    """A programme met again (the victim loop audits the series after each withheld cell) is solved
    once."""
    return linear_ranges(
        objectives,
        list(zip(forms, rhs, strict=True)),
        [(((a, 1.0), (b, -1.0)), 0.0) for a, b in pairs],
        bounds,
        goals,
    )
