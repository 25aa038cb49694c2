"""The attacker's linear programme, solved: the smallest and largest value of figures over a system of
equalities, inequalities and box bounds. Shared by the per-table audit (disclosure/audit.py) and the
joint audit of the series (disclosure/joint_lp.py).

HiGHS is called through highspy with one model per system: between the figures asked for, and between
minimising and maximising, only the objective changes, and HiGHS starts again from the basis it
holds. (Through scipy's `linprog`, each bound cost ~15 ms of set-up, most of the audit's time.) Since only
the objective changes, the basis HiGHS holds stays feasible: the primal simplex goes on from it, where
the dual simplex (HiGHS's default) must first repair it. Replaying the 961 programmes of the demo's five
first editions: 2.8 s against 6.4 s, every end equal.
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
) -> list[tuple[float, float]]:
    """(min, max) of each objective under `equalities` (form = value), `upper` (form ≤ value) and the
    variables' `bounds` (±inf allowed); an end the constraints leave open is ±inf."""
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
    columns = np.arange(size, dtype=np.int32)
    ranges = []
    for objective in objectives:
        costs = np.zeros(size)
        for variable, coefficient in objective:
            costs[variable] += coefficient
        highs.changeColsCost(size, columns, costs)
        ends = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            highs.changeObjectiveSense(sense)
            ends.append(solve(highs, highspy, sense == highspy.ObjSense.kMinimize))
        ranges.append((ends[0], ends[1]))
    return ranges


def solve(highs: Any, highspy: Any, minimise: bool) -> float:
    """The optimum of the model as it stands; -inf (minimising) or +inf (maximising) when unbounded."""
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
        return float(highs.getInfo().objective_function_value)
    if status == highspy.HighsModelStatus.kUnbounded:
        return -np.inf if minimise else np.inf
    raise RuntimeError(f"audit programme not solved: {highs.modelStatusToString(status)}")
