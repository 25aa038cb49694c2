"""The attacker's linear programme, solved: the smallest and largest value of figures over a system of
equalities, inequalities and box bounds. Shared by the per-table audit (disclosure/audit.py) and the
joint audit of the series (disclosure/joint_lp.py).

HiGHS is called through highspy with one model per system: between the figures asked for, and between
minimising and maximising, only the objective changes, and HiGHS starts again from the basis it
holds. (Through scipy's `linprog`, each bound cost ~15 ms of set-up, most of the audit's time.) Since only
the objective changes, the basis HiGHS holds stays feasible: the primal simplex goes on from it, where
the dual simplex (HiGHS's default) must first repair it. Replaying the 961 programmes of the demo's five
first editions: 2.8 s against 6.4 s, every end equal. The joint audit only asks whether each range
reaches ±level of its figure (`goals`): an end that an optimum found earlier already reaches is not
solved (the demo's ten freezes: 14,265 runs instead of 38,282).
highspy is imported only when a programme is solved: commands that audit nothing never load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Form = Sequence[tuple[int, float]]  # Σ c·x as (variable, coefficient) pairs


def linear_ranges(
    objectives: Sequence[Form],
    equalities: Sequence[tuple[Form, float]],
    upper: Sequence[tuple[Form, float]],
    bounds: Sequence[tuple[float, float]],
    goals: Sequence[tuple[float, float]] | None = None,
) -> list[tuple[float, float]]:
    """(min, max) of each objective under `equalities` (form = value), `upper` (form ≤ value) and the
    variables' `bounds` (±inf allowed); an end the constraints leave open is ±inf.

    With `goals`, one (low, high) per objective, the caller only asks whether each range reaches them:
    an end that a point already found reaches (the optimum of an earlier objective, a feasible point)
    is that point's value rather than the optimum, and its solve is saved. A range that misses a goal
    is exact at both ends, so a figure the audit refuses is reported with its true bounds."""
    import highspy  # the solver only where the audit needs one

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("simplex_strategy", 4)  # primal: the basis stays feasible when the objective changes
    size = len(bounds)
    rows = [*equalities, *upper]
    model = highspy.HighsLp()
    model.num_col_ = size
    model.num_row_ = len(rows)
    model.col_cost_ = np.zeros(size)
    model.col_lower_ = np.array([low for low, _ in bounds], dtype=float)
    model.col_upper_ = np.array([high for _, high in bounds], dtype=float)
    model.row_lower_ = np.array([value for _, value in equalities] + [-highspy.kHighsInf] * len(upper))
    model.row_upper_ = np.array([value for _, value in rows], dtype=float)
    starts, index, values = [0], [], []
    for form, _ in rows:
        for variable, coefficient in form:
            index.append(variable)
            values.append(coefficient)
        starts.append(len(index))
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.num_col_ = size
    model.a_matrix_.num_row_ = len(rows)
    model.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    model.a_matrix_.index_ = np.array(index, dtype=np.int32)
    model.a_matrix_.value_ = np.array(values, dtype=float)
    highs.passModel(model)
    witnesses = Witnesses(objectives, size, goals)
    columns = np.arange(size, dtype=np.int32)
    ranges = []
    for j in range(len(objectives)):
        highs.changeColsCost(size, columns, witnesses.costs[j])
        ends, exact = [0.0, 0.0], [False, False]
        for side, minimise in enumerate((True, False)):
            seen = witnesses.reached(j, minimise)
            if seen is None:
                ends[side], exact[side] = solve(highs, highspy, minimise, witnesses), True
            else:
                ends[side] = seen
        if not witnesses.enough(j, ends[0], ends[1]):  # a figure that fails is reported with its true bounds
            for side, minimise in enumerate((True, False)):
                if not exact[side]:
                    ends[side] = solve(highs, highspy, minimise, witnesses)
        ranges.append((ends[0], ends[1]))
    return ranges


class Witnesses:
    """The objectives' values at the optima found so far: each is a feasible point, so its value is an
    upper bound of an objective's minimum and a lower bound of its maximum."""

    def __init__(self, objectives: Sequence[Form], size: int, goals: Sequence[tuple[float, float]] | None):
        self.costs = np.zeros((len(objectives), size))
        for j, objective in enumerate(objectives):
            for variable, coefficient in objective:
                self.costs[j, variable] += coefficient
        self.goals = goals
        self.lowest = np.full(len(objectives), np.inf)
        self.highest = np.full(len(objectives), -np.inf)

    def add(self, point: Sequence[float]) -> None:
        seen = self.costs @ np.asarray(point, dtype=float)
        np.minimum(self.lowest, seen, out=self.lowest)
        np.maximum(self.highest, seen, out=self.highest)

    def reached(self, j: int, minimise: bool) -> float | None:
        """The value of a point found so far that reaches objective j's goal on that side, else None."""
        if self.goals is None:
            return None
        if minimise:
            return float(self.lowest[j]) if self.lowest[j] <= self.goals[j][0] else None
        return float(self.highest[j]) if self.highest[j] >= self.goals[j][1] else None

    def enough(self, j: int, low: float, high: float) -> bool:
        """Whether the range reaches objective j's goals (always, when there are none)."""
        if self.goals is None:
            return True
        return low <= self.goals[j][0] and high >= self.goals[j][1]


def solve(highs: Any, highspy: Any, minimise: bool, witnesses: Witnesses) -> float:
    """The optimum of the model's objective in that sense; -inf (minimising) or +inf (maximising) when
    unbounded. An optimum's point is kept among the witnesses."""
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize if minimise else highspy.ObjSense.kMaximize)
    highs.run()
    status = highs.getModelStatus()
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kUnbounded):
        # started from the previous objective's basis, or stopped by presolve, HiGHS may answer
        # "unknown" or "unbounded or infeasible": solved again from scratch, it tells which
        highs.clearSolver()
        highs.setOptionValue("presolve", "off")
        highs.run()
        highs.setOptionValue("presolve", "choose")
        status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        if witnesses.goals is not None:
            witnesses.add(highs.getSolution().col_value)
        return float(highs.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kUnbounded:
        return -np.inf if minimise else np.inf
    raise RuntimeError(f"audit programme not solved: {highs.modelStatusToString(status)}")
