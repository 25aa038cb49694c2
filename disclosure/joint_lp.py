"""The joint audit's programmes (disclosure/joint.py builds the system): experimentations met in exactly
the same rows merged into one unknown per figure (atoms), the system split into connected components,
and each protected figure bounded in closed form (one unknown under at most one sum) or with HiGHS
(disclosure/joint_ranges.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from disclosure.audit import Figure, is_protected
from disclosure.joint import PAIRS, TOTAL, JointFailure, Row, Snapshot, System, UnitKey, add_snapshot, family
from disclosure.joint_ranges import Objective, closed_form, goal, ranges_of


@dataclass
class Piece:
    """A connected component of a programme: its variables and rows. What every audit of it reads
    (each row over the component's own variables, in the component's unit) is worked out once."""

    variables: list[int]
    row_ids: list[int]
    scale: float = 1.0
    forms: list[tuple[Objective, float]] = field(default_factory=list)  # by row: form, value / scale
    pairs: list[tuple[int, int]] = field(default_factory=list)
    bounds: list[tuple[float, float]] = field(default_factory=list)
    ready: bool = False

    def load(self, programme: Programme) -> Piece:
        if not self.ready:
            local = {v: i for i, v in enumerate(self.variables)}
            values = programme.values
            self.scale = max([1.0, *(abs(float(values[v])) for v in self.variables)])
            for i in self.row_ids:
                form = programme.rows[i][0]
                key = tuple(sorted((local[v], c) for v, c in form.items()))
                self.forms.append((key, sum(c * float(values[v]) for v, c in form.items()) / self.scale))
            self.pairs = [(local[a], local[b]) for a, b in programme.pairs if a in local]
            self.bounds = [(programme.bounds[v][0] / self.scale, programme.bounds[v][1] / self.scale)
                           for v in self.variables]  # fmt: skip
            self.ready = True
        return self


@dataclass(frozen=True)
class Programme:
    """One family's system over atoms: variables (atom, measure), equality rows and targets."""

    names: list[tuple[int, str]]
    bounds: list[tuple[float, float]]
    values: np.ndarray
    rows: list[tuple[dict[int, float], Row]]  # linear form over variables, and its row
    pairs: list[tuple[int, int]]  # (smaller, larger) variables
    pieces: list[Piece] = field(default_factory=list)  # components, once found
    # a component's audit, by which of its rows are shown: the victim search withholds one cell at a
    # time, so every other component's answer is the one already found
    memo: dict[tuple[int, float, tuple[bool, ...]], tuple[list[JointFailure], Counts]] = field(
        default_factory=dict
    )


def atoms_of(system: System) -> Programme:
    """Merge the units of the same kind met in exactly the same bases into one unknown per measure."""
    atom_of: dict[tuple[Any, ...], int] = {}
    members: dict[int, list[UnitKey]] = {}
    unit_atom: dict[UnitKey, int] = {}
    for key, unit in system.units.items():
        signature = (key[0], tuple(sorted(set(unit.bases))))
        atom = atom_of.setdefault(signature, len(atom_of))
        members.setdefault(atom, []).append(key)
        unit_atom[key] = atom
    base_atoms = [sorted({unit_atom[u] for u in units}) for _, units in system.bases]
    index: dict[tuple[int, str], int] = {}
    rows = []
    for row in system.rows:
        form: dict[int, float] = {}
        for base, measure, coefficient in row.parts:
            for atom in base_atoms[base]:
                variable = index.setdefault((atom, measure), len(index))
                form[variable] = form.get(variable, 0.0) + coefficient
        rows.append((form, row))
    names = sorted(index, key=index.__getitem__)
    bounds, values = [], []
    for atom, measure in names:
        units = [system.units[key] for key in members[atom]]
        bounds.append((sum(u.bounds[measure][0] for u in units), sum(u.bounds[measure][1] for u in units)))
        values.append(sum(u.values[measure] for u in units))
    pairs = [
        (index[(atom, small)], index[(atom, large)])
        for atom in members
        for small, large in PAIRS
        if (atom, small) in index and (atom, large) in index
    ]
    return Programme(names, bounds, np.array(values, dtype=float), rows, pairs)


def components(programme: Programme) -> list[Piece]:
    """(variables, rows) of each connected component: rows and pairs that share no variable apart."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    size = len(programme.names)
    if size == 0:
        return []
    heads, tails = [], []
    for form, _ in programme.rows:
        variables = list(form)
        heads += variables[:1] * (len(variables) - 1)
        tails += variables[1:]
    for small, large in programme.pairs:
        heads.append(small)
        tails.append(large)
    graph = coo_matrix((np.ones(len(heads)), (heads, tails)), shape=(size, size))
    count, labels = connected_components(graph, directed=False)
    by_label: dict[int, list[int]] = {}
    for variable, label in enumerate(labels):
        by_label.setdefault(int(label), []).append(variable)
    rows: dict[int, list[int]] = {}
    for i, (form, _) in enumerate(programme.rows):
        if form:
            rows.setdefault(int(labels[next(iter(form))]), []).append(i)
    return [Piece(by_label[label], rows.get(label, [])) for label in range(count)]


@dataclass
class Counts:
    components: int = 0
    closed_form: int = 0
    programmes: int = 0
    targets: int = 0


Shown = Callable[[Row], bool]


def audit_programme(programme: Programme, level: float, counts: Counts, shown: Shown) -> list[JointFailure]:
    """Every protected, unpublished row bounded within ±`level` of its value by the others."""
    failures = []
    if not programme.pieces:
        programme.pieces.extend(components(programme))
    for number, piece in enumerate(programme.pieces):
        row_ids = piece.row_ids
        if all(programme.rows[i][1].owner is None for i in row_ids):
            continue  # rows of earlier editions only: audited as they are when the latest was frozen
        visible = tuple(shown(programme.rows[i][1]) for i in row_ids)
        targets = [
            i for i, seen in zip(row_ids, visible, strict=True) if programme.rows[i][1].protected and not seen
        ]
        if not targets:
            continue
        counts.components += 1
        key = (number, level, visible)
        if key not in programme.memo:
            own = Counts()
            found = audit_component(programme, piece, targets, level, own, shown)
            programme.memo[key] = (found, own)
        found, own = programme.memo[key]
        counts.closed_form += own.closed_form
        counts.programmes += own.programmes
        counts.targets += own.targets
        failures += found
    return failures


def audit_component(
    programme: Programme, piece: Piece, targets: list[int], level: float, counts: Counts, shown: Shown
) -> list[JointFailure]:
    piece.load(programme)
    scale, pairs, bounds = piece.scale, piece.pairs, piece.bounds
    equalities: dict[Objective, float] = {}
    objectives: dict[int, Objective] = {}
    wanted = set(targets)
    for i, (key, value) in zip(piece.row_ids, piece.forms, strict=True):
        if i in wanted:
            objectives[i] = key
        if shown(programme.rows[i][1]):
            equalities[key] = value
    rows = [programme.rows[i] for i in piece.row_ids]
    solved: dict[Objective, tuple[float, float]] = {}
    figures = {objectives[i]: figure_of(programme, programme.rows[i][0]) for i in targets}
    hard = []
    for i in targets:
        counts.targets += 1
        objective = objectives[i]
        if objective not in solved and objective not in hard:
            closed = closed_form(objective, equalities, pairs, bounds)
            if closed is None:
                hard.append(objective)
            else:
                counts.closed_form += 1
                solved[objective] = closed
    if hard:  # one programme for the component: only the objective changes between its targets
        counts.programmes += len(hard)
        goals = [goal(figures[objective], level, scale) for objective in hard]
        solved.update(zip(hard, ranges_of(hard, equalities, pairs, bounds, goals), strict=True))
    failures = []
    for i in targets:
        form, row = programme.rows[i]
        low, high = (end * scale for end in solved[objectives[i]])
        figure = figures[objectives[i]]
        if not is_protected(figure, low, high, level, max(scale, abs(figure.value))):
            candidates = secondary_candidates(rows, set(form), row.kpi, shown)
            failures.append(
                JointFailure(row.label, figure.value, low, high, candidates, row.owner is not None, row.kpi)
            )
    return failures


def figure_of(programme: Programme, form: dict[int, float]) -> Figure:
    """A protected, unpublished figure: its value and the bounds known without any table."""
    value = sum(c * float(programme.values[v]) for v, c in form.items())
    lower = sum(c * programme.bounds[v][0 if c > 0 else 1] for v, c in form.items())
    upper = sum(c * programme.bounds[v][1 if c > 0 else 0] for v, c in form.items())
    return Figure(value, lower, upper, published=False, protected=True)


def secondary_candidates(
    rows: Iterable[tuple[dict[int, float], Row]], target: set[int], kpi: str, shown: Shown
) -> tuple[tuple[Any, ...], ...]:
    """The cells of the edition being frozen that publish a figure of the component, in the order they
    are withheld: peer-group rows first, then use cases, ENSEMBLE last; within each, the cells whose
    figures hold the failing figure's own unknowns, then those of another table than its own (its own
    table alone passed the per-table audit: the link is what gives it away), smallest first."""
    order: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for form, row in rows:
        if shown(row) and row.owner is not None:
            o = row.owner
            rank = (o[1] == TOTAL, o[2] is None, not target & set(form), o[0] == kpi, row.size, str(o))
            order[o] = min(order.get(o, rank), rank)
    return tuple(sorted(order, key=order.__getitem__))


def target_kpis(snapshots: Iterable[Snapshot]) -> set[str]:
    """The KPIs of the families holding a protected, unpublished figure (the others need no programme)."""
    families = {family(s.kpi) for snap in snapshots for s in snap.rows if s.protected and not s.published}
    return families


def prepare(snapshots: Sequence[Snapshot], only: str | None = None) -> dict[str, Programme]:
    """The programme of each family holding a protected figure (only the family of `only` if given)."""
    wanted = target_kpis(snapshots) & (
        {family(only)} if only else {family(s.kpi) for x in snapshots for s in x.rows}
    )
    by_family: dict[str, set[str]] = {}
    for snap in snapshots:
        for spec in snap.rows:
            if family(spec.kpi) in wanted:
                by_family.setdefault(family(spec.kpi), set()).add(spec.kpi)
    programmes = {}
    for name in sorted(by_family):
        system = System()
        for snap in snapshots:
            add_snapshot(system, snap, by_family[name])
        programmes[name] = atoms_of(system)
    return programmes


def shown_unless(hidden: frozenset[Any] | set[Any]) -> Shown:
    """Whether a row is published once the cells in `hidden` are withheld too (their rows and, for a
    national cell, its group rows)."""

    def shown(row: Row) -> bool:
        owner = row.owner
        return row.published and not (owner is not None and (owner in hidden or (*owner[:2], None) in hidden))

    return shown


def audit_prepared(
    programmes: Mapping[str, Programme], level: float, hidden: frozenset[Any] | set[Any] = frozenset()
) -> tuple[list[JointFailure], Counts]:
    """The joint audit of prepared programmes, the cells in `hidden` withheld too."""
    shown = shown_unless(hidden)
    counts = Counts()
    failures: list[JointFailure] = []
    for name in sorted(programmes):
        failures += audit_programme(programmes[name], level, counts, shown)
    return failures, counts


def audit_labels(
    programme: Programme, labels: set[str], level: float, hidden: frozenset[Any] | set[Any]
) -> list[JointFailure]:
    """The blocking failures among the figures named `labels` once the cells in `hidden` are withheld:
    their own bounds only, not the whole family's."""
    shown = shown_unless(hidden)
    if not programme.pieces:
        programme.pieces.extend(components(programme))
    failures = []
    for piece in programme.pieces:
        targets = [
            i
            for i in piece.row_ids
            if programme.rows[i][1].label in labels
            and programme.rows[i][1].protected
            and not shown(programme.rows[i][1])
        ]
        if targets:
            found = audit_component(programme, piece, targets, level, Counts(), shown)
            failures += [f for f in found if f.candidates]
    return failures


def newly_hidden(programme: Programme, before: set[Any], after: set[Any]) -> set[str]:
    """The protected figures that withholding `after` instead of `before` takes out of publication."""
    was, now = shown_unless(before), shown_unless(after)
    return {row.label for _, row in programme.rows if row.protected and was(row) and not now(row)}


def audit_snapshots(
    snapshots: Sequence[Snapshot], level: float, only: str | None = None
) -> tuple[list[JointFailure], Counts]:
    """The joint audit of every snapshot, family by family (only the family of KPI `only` if given)."""
    return audit_prepared(prepare(snapshots, only), level)
