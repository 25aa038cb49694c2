"""The attacker's linear programmes: how closely the published tables bound a withheld figure.

A linked table is the use-case cells of one KPI (or of the ROI) and their ENSEMBLE row: every
additive figure (counts improved, Σ numerators, Σ denominators, Σ values, euro sums) of the ENSEMBLE
row is the sum of the same figure over the use-case cells. An attacker holding the published rows
knows the figures they publish or let recompute, the bounds every figure obeys (0 ≤ count ≤
experimentations, the KPI's plausible range, numerator ≤ denominator) and these sums. For each
withheld figure, HiGHS (disclosure/lp.py) minimises and maximises it under those constraints;
the figure is protected when the interval reaches `level` × its value on both sides (τ-ARGUS's audit).
A programme with one sum and no pair (most of them) has a closed form, computed without a solver.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from disclosure.lp import linear_ranges

Key = tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """One additive figure of one cell: its true value, what anyone knows bounds it, and its status."""

    value: float
    lower: float
    upper: float
    published: bool  # the published row gives it (or lets it be recomputed) exactly
    protected: bool  # a rule withholds it: the audit checks it cannot be recomputed


@dataclass(frozen=True)
class Failure:
    """A withheld figure the published table bounds too closely."""

    table: Key
    cell: Key
    measure: str
    value: float
    low: float
    high: float

    def describe(self) -> str:
        return (
            f"table {'/'.join(self.table)}, cell {'/'.join(self.cell)}: {self.measure} = {self.value:g} "
            f"is bounded to [{self.low:g}, {self.high:g}] by the published figures"
        )


@dataclass(frozen=True)
class LinkedTable:
    """The cells of one table (the ENSEMBLE row is `total`), each a mapping measure -> Figure.

    `pairs` are (smaller, larger) measures of a cell, e.g. (pilot_num, pilot_den).
    """

    name: Key
    total: Key
    cells: Mapping[Key, Mapping[str, Figure]]
    pairs: tuple[tuple[str, str], ...] = ()


def families(measures: Iterable[str], pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, ...]]:
    """Measures solved together: a pair's two measures share their programme, the rest stand alone."""
    paired = {measure for pair in pairs for measure in pair}
    alone = [(measure,) for measure in sorted(set(measures)) if measure not in paired]
    return [*alone, *(pair for pair in pairs if set(pair) <= set(measures))]


def audit_table(table: LinkedTable, level: float) -> list[Failure]:
    """Every protected figure of the table that the attacker bounds within ±`level` of its value."""
    measures = {measure for figures in table.cells.values() for measure in figures}
    failures: list[Failure] = []
    for family in families(measures, table.pairs):
        failures.extend(audit_family(table, family, level))
    return failures


def scale_of(table: LinkedTable, family: tuple[str, ...]) -> float:
    """A unit that brings the family's figures near 1, so the solver's tolerances are relative."""
    sizes = [abs(f.value) for figures in table.cells.values() for m, f in figures.items() if m in family]
    return max([1.0, *sizes])


def audit_family(table: LinkedTable, family: tuple[str, ...], level: float) -> list[Failure]:
    cells = table.cells
    unknowns = [(key, m) for key in cells for m in family if m in cells[key] and not cells[key][m].published]
    targets = [i for i, (key, m) in enumerate(unknowns) if cells[key][m].protected]
    if not targets:
        return []
    scale = scale_of(table, family)
    index = {unknown: i for i, unknown in enumerate(unknowns)}
    a_eq, b_eq = sum_constraints(table, family, index, scale)
    a_ub, b_ub = pair_constraints(table, family, index, scale)
    bounds = [(cells[k][m].lower / scale, cells[k][m].upper / scale) for k, m in unknowns]
    failures = []
    ranges = solve_ranges(targets, len(unknowns), a_eq, b_eq, a_ub, b_ub, bounds)
    for target, (low, high) in zip(targets, ranges, strict=True):
        key, measure = unknowns[target]
        figure = cells[key][measure]
        low, high = low * scale, high * scale
        if not is_protected(figure, low, high, level, scale):
            failures.append(Failure(table.name, key, measure, figure.value, low, high))
    return failures


def sum_constraints(
    table: LinkedTable, family: tuple[str, ...], index: dict[tuple[Key, str], int], scale: float
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """ENSEMBLE − Σ use cases = 0 for each measure of the family, published figures moved right."""
    terms = [
        [
            (key, measure, 1.0 if key == table.total else -1.0)
            for key, figures in table.cells.items()
            if measure in figures
        ]
        for measure in family
    ]
    return constraint_rows(table, terms, index, scale)


def pair_constraints(
    table: LinkedTable, family: tuple[str, ...], index: dict[tuple[Key, str], int], scale: float
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """smaller − larger ≤ 0 in every cell, for a pair family."""
    if len(family) != 2:
        return None, None
    smaller, larger = family
    terms = [
        [(key, smaller, 1.0), (key, larger, -1.0)]
        for key, figures in table.cells.items()
        if smaller in figures and larger in figures
    ]
    return constraint_rows(table, terms, index, scale)


def constraint_rows(
    table: LinkedTable,
    terms: list[list[tuple[Key, str, float]]],
    index: dict[tuple[Key, str], int],
    scale: float,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """One row per list of (cell, measure, sign): unknowns on the left, published figures moved right;
    a row with no unknown says nothing to the attacker and is dropped."""
    rows, rhs = [], []
    for constraint in terms:
        row, known = np.zeros(len(index)), 0.0
        for key, measure, sign in constraint:
            if (key, measure) in index:
                row[index[(key, measure)]] = sign
            else:
                known += sign * table.cells[key][measure].value / scale
        if row.any():
            rows.append(row)
            rhs.append(-known)
    return (np.array(rows), np.array(rhs)) if rows else (None, None)


def solve_ranges(
    targets: list[int],
    size: int,
    a_eq: np.ndarray | None,
    b_eq: np.ndarray | None,
    a_ub: np.ndarray | None,
    b_ub: np.ndarray | None,
    bounds: list[tuple[float, float]],
) -> list[tuple[float, float]]:
    """The smallest and largest value of each unknown in `targets` the constraints allow."""
    if a_ub is None and (a_eq is None or len(a_eq) == 1):
        return [one_sum_range(target, a_eq, b_eq, bounds) for target in targets]
    programme = tuple(
        None if array is None else (array.shape, array.tobytes()) for array in (a_eq, b_eq, a_ub, b_ub)
    )
    return cached_ranges(tuple(targets), size, programme, tuple(bounds))


@lru_cache(maxsize=4096)
def cached_ranges(
    targets: tuple[int, ...],
    size: int,
    programme: tuple[tuple[tuple[int, ...], bytes] | None, ...],
    bounds: tuple[tuple[float, float], ...],
) -> list[tuple[float, float]]:
    """A programme met again (secondary suppression audits a table after each trial, the release's
    audit once more at the end) is solved once: the same arrays, bounds and targets give the same ranges."""
    a_eq, b_eq, a_ub, b_ub = (
        None if item is None else np.frombuffer(item[1]).reshape(item[0]) for item in programme
    )
    return linear_ranges([[(target, 1.0)] for target in targets], dense_rows(a_eq, b_eq),
                         dense_rows(a_ub, b_ub), bounds)  # fmt: skip


def dense_rows(
    matrix: np.ndarray | None, rhs: np.ndarray | None
) -> list[tuple[list[tuple[int, float]], float]]:
    """The rows of a dense constraint matrix as (form, right side), zero coefficients left out."""
    if matrix is None or rhs is None:
        return []
    return [
        ([(int(v), float(row[v])) for v in np.flatnonzero(row)], float(value))
        for row, value in zip(matrix, rhs, strict=True)
    ]


def one_sum_range(
    target: int, a_eq: np.ndarray | None, b_eq: np.ndarray | None, bounds: list[tuple[float, float]]
) -> tuple[float, float]:
    """The range of unknown `target` under box bounds and at most one equality Σ cᵢxᵢ = b, in closed
    form: c_t·x_t = b − Σ_{i≠t} cᵢxᵢ, whose right side spans the sum of each term's own range."""
    low, high = bounds[target]
    if a_eq is not None and b_eq is not None and a_eq[0][target] != 0:
        row, coefficient = a_eq[0], float(a_eq[0][target])
        rest_low = rest_high = 0.0
        for i, c in enumerate(row):
            if i != target and c != 0:
                ends = (c * bounds[i][0], c * bounds[i][1])
                rest_low, rest_high = rest_low + min(ends), rest_high + max(ends)
        ends = ((float(b_eq[0]) - rest_high) / coefficient, (float(b_eq[0]) - rest_low) / coefficient)
        low, high = max(low, min(ends)), min(high, max(ends))
    if low > high + 1e-9 * max(1.0, abs(low), abs(high)):
        raise RuntimeError("audit programme not solved: the published figures contradict their bounds")
    return low, max(low, high)


def wanted_interval(figure: Figure, level: float) -> tuple[float, float]:
    """±level×|value| around the figure, within the bounds known without the table."""
    value, margin = figure.value, level * abs(figure.value)
    return max(value - margin, figure.lower), min(value + margin, figure.upper)


def is_protected(figure: Figure, low: float, high: float, level: float, scale: float) -> bool:
    """The interval reaches ±level×|value| on both sides (or the bounds known without the table, when
    they are closer) and is not a single point."""
    tolerance = 1e-6 * scale
    wanted_low, wanted_high = wanted_interval(figure, level)
    point = high - low <= tolerance < figure.upper - figure.lower
    return low <= wanted_low + tolerance and high >= wanted_high - tolerance and not point


@dataclass(frozen=True)
class AuditReport:
    """The audit of a release: what was checked and every failure, for the operator (never public)."""

    level: float
    tables: int
    figures_checked: int
    held_tables: tuple[str, ...]  # tables keeping an earlier edition's figures (audited then)
    failures: tuple[str, ...]
    series: Mapping[str, object] | None = None  # the joint audit of every published edition (joint.py)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "protection_level": self.level,
            "tables_audited": self.tables,
            "withheld_figures_checked": self.figures_checked,
            "tables_held_from_previous_edition": list(self.held_tables),
            "failures": list(self.failures),
            "passed": not self.failures,
        }
        if self.series is not None:
            out["joint_audit_of_the_series"] = dict(self.series)
        return out


def protected_figures(table: LinkedTable) -> int:
    """How many withheld figures the audit of a table checks."""
    return sum(f.protected and not f.published for figures in table.cells.values() for f in figures.values())


def audit_report(tables: Mapping[Key, LinkedTable], level: float, held: Iterable[Key] = ()) -> AuditReport:
    """Audit every linked table of a release."""
    failures = [failure.describe() for name in sorted(tables) for failure in audit_table(tables[name], level)]
    return AuditReport(
        level=level,
        tables=len(tables),
        figures_checked=sum(protected_figures(table) for table in tables.values()),
        held_tables=tuple("/".join(name) for name in held),
        failures=tuple(failures),
    )


def audit_path(folder: Path, quarter: str, edition: int) -> Path:
    """<folder>/<quarter>/edition-<n>.json: where the audit of an edition is kept, for the operator."""
    return folder / quarter / f"edition-{edition}.json"


def write_audit(folder: Path, quarter: str, edition: int, report: AuditReport) -> Path:
    """Write the audit of an edition to its `audit_path`."""
    path = audit_path(folder, quarter, edition)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(
        {"quarter": quarter, "edition": edition, **report.as_dict()}, indent=2, ensure_ascii=False
    )
    path.write_text(text + "\n", encoding="utf-8")
    return path
