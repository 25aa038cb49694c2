"""The joint audit (publication rules v3, issue 21): the attacker holds every table ever published.

Every quarter, edition, national and peer-group row, ROI and euro KPI table is one linear system
whose unknowns are each experimentation's own figures: its pilot value (and counts) of a quarter, its
reference value (one unknown shared by every quarter: a reference period does not move), its improved
and threshold flags, and the euro amounts its ROI sums over its pilot quarters (the same unknowns as
the euro KPI cells of those quarters). A figure changed by a correction is another unknown. Published
figures are equalities (taken exact: the audit ignores rounding, see docs/methodology.md); the pooled
ROI r gives Σ gains − (1 + r) Σ costs = 0. Each protected figure is bounded with HiGHS over the whole
system and must keep ±`level` of its value (disclosure/audit.is_protected).

To stay fast the experimentations that appear in exactly the same rows are one unknown (the sum of
box-bounded unknowns spans exactly the sum of their boxes), the system is split into connected
components (cells that share no unknown are separate programmes), and a component of one sum and one
unknown per target uses the closed form of disclosure/audit.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from disclosure.audit import Figure, is_protected, one_sum_range

ROI = "ROI"
TOTAL = "ENSEMBLE"
ROI_KPIS = {"cost": ("ECO_COUT_SOLUTION",), "gains": ("ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES")}
INF = float("inf")


class Member(NamedTuple):
    """One experimentation in one use-case cell of one edition (edition_audit_member)."""

    kpi: str
    use_case: str
    finess: str
    peer_group: str
    pilot: float | None
    numerator: float | None
    denominator: float | None
    meets_threshold: bool | None
    improved: bool | None
    baseline: float | None
    baseline_numerator: float | None
    baseline_denominator: float | None
    low: float
    high: float


class RoiPart(NamedTuple):
    """One euro amount of one pilot quarter in the ROI of an experimentation (edition_audit_roi_part)."""

    use_case: str
    finess: str
    peer_group: str
    kpi: str
    pilot_quarter: str
    value: float
    low: float
    high: float
    positive: bool


class RowSpec(NamedTuple):
    """One figure of one published row: a sum over the row's members (edition_audit_row)."""

    kpi: str
    use_case: str
    peer_group: str | None
    measure: str
    published: bool
    protected: bool
    ratio: float | None = None


@dataclass(frozen=True)
class Snapshot:
    """What one edition published, as the attacker's system sees it."""

    quarter: str
    edition: int
    members: Sequence[Member]
    roi_parts: Sequence[RoiPart]
    rows: Sequence[RowSpec]
    current: bool = False  # the edition being frozen (its cells may still be withheld)


def family(kpi: str) -> str:
    """The KPIs whose rows can share an unknown: one KPI, or the ROI with its three euro KPIs."""
    return ROI if kpi == ROI or kpi in {k for kpis in ROI_KPIS.values() for k in kpis} else kpi


def version(*values: Any) -> tuple[Any, ...]:
    """A figure's value as part of its unknown's name (10 significant digits: last-bit noise aside)."""
    return tuple(float(f"{v:.10g}") if isinstance(v, float) else v for v in values)


def number(value: Any) -> float:
    return 0.0 if value is None else float(value)


# A unit is one experimentation's figures of one kind: ("P", kpi, quarter) its pilot side, ("B", kpi)
# its reference side, ("I", kpi, quarter) its improved flag, ("R", quarter) its ROI sign.
UnitKey = tuple[Any, ...]
MEASURES = {"P": ("sum", "num", "den", "met"), "B": ("sum", "num", "den"), "I": ("improved",),
            "R": ("positive",)}  # fmt: skip
PAIRS = (("num", "den"),)


@dataclass
class Unit:
    values: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    bases: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    """A figure as a sum over bases: parts (base id, measure, coefficient); `label` names the cell."""

    label: str
    parts: tuple[tuple[int, str, float], ...]
    published: bool
    protected: bool
    owner: tuple[Any, ...] | None  # the current edition's cell it belongs to (a secondary candidate)
    size: int


@dataclass(frozen=True)
class JointFailure:
    label: str
    value: float
    low: float
    high: float
    candidates: tuple[tuple[Any, ...], ...]  # current cells in its component, smallest first
    current: bool  # a figure of the edition being frozen

    def describe(self) -> str:
        return f"{self.label} = {self.value:g} is bounded to [{self.low:g}, {self.high:g}] by everything published"


@dataclass
class System:
    """The bases (sets of units of one kind) and rows of one family, built from snapshots."""

    units: dict[UnitKey, Unit] = field(default_factory=dict)
    bases: list[tuple[str, list[UnitKey]]] = field(default_factory=list)  # (kind, units)
    rows: list[Row] = field(default_factory=list)

    def add_base(self, kind: str, units: list[UnitKey]) -> int:
        base = len(self.bases)
        self.bases.append((kind, units))
        for unit in units:
            self.units[unit].bases.append(base)
        return base

    def unit(self, key: UnitKey, values: dict[str, float], bounds: dict[str, tuple[float, float]]) -> UnitKey:
        unit = self.units.get(key)
        if unit is None:
            self.units[key] = Unit(values, bounds)
        else:  # met first in a ROI row (its amount only): the benchmark cell gives its other figures
            for measure, value in values.items():
                unit.values.setdefault(measure, value)
                unit.bounds.setdefault(measure, bounds[measure])
        return key


def member_units(system: System, snapshot: Snapshot, m: Member) -> dict[str, UnitKey]:
    """The units of one experimentation of a benchmark cell (versioned by their values)."""
    who = f"{m.use_case}/{m.finess}"
    span = (m.low, m.high)
    units = {
        "P": system.unit(
            ("P", m.kpi, snapshot.quarter, who, version(m.pilot, m.numerator, m.denominator)),
            {"sum": number(m.pilot), "num": number(m.numerator), "den": number(m.denominator),
             "met": float(bool(m.meets_threshold))},
            {"sum": span, "num": (0.0, INF), "den": (0.0, INF), "met": (0.0, 1.0)},
        )
    }  # fmt: skip
    if m.baseline is not None:
        b = (m.baseline, m.baseline_numerator, m.baseline_denominator)
        units["B"] = system.unit(
            ("B", m.kpi, who, version(*b)),
            {"sum": number(b[0]), "num": number(b[1]), "den": number(b[2])},
            {"sum": span, "num": (0.0, INF), "den": (0.0, INF)},
        )
        units["I"] = system.unit(
            ("I", m.kpi, snapshot.quarter, who, version(m.pilot, m.baseline, m.improved)),
            {"improved": float(bool(m.improved))},
            {"improved": (0.0, 1.0)},
        )
    return units


BENCH_PARTS = {  # measure -> (unit kind, members with a baseline?, unit measure); threshold: both sides
    "pilot_sum": ("P", True, "sum"),
    "pilot_sum_new": ("P", False, "sum"),
    "pilot_num": ("P", True, "num"),
    "pilot_den": ("P", True, "den"),
    "pilot_num_new": ("P", False, "num"),
    "pilot_den_new": ("P", False, "den"),
    "baseline_sum": ("B", True, "sum"),
    "baseline_num": ("B", True, "num"),
    "baseline_den": ("B", True, "den"),
    "improved": ("I", True, "improved"),
}


def add_snapshot(system: System, snapshot: Snapshot, kpis: set[str]) -> None:
    """The rows of one edition whose KPI is in `kpis` (only rows that say or protect something)."""
    cells: dict[tuple[str, str, str | None], list[Member]] = {}
    for m in snapshot.members:
        if m.kpi in kpis:
            for use_case in (m.use_case, TOTAL):
                cells.setdefault((m.kpi, use_case, None), []).append(m)
                cells.setdefault((m.kpi, use_case, m.peer_group), []).append(m)
    parts: dict[tuple[str, str | None], list[RoiPart]] = {}
    if ROI in kpis:
        for p in snapshot.roi_parts:
            for use_case in (p.use_case, TOTAL):
                parts.setdefault((use_case, None), []).append(p)
                parts.setdefault((use_case, p.peer_group), []).append(p)
    bases: dict[tuple[Any, ...], int] = {}
    for spec in snapshot.rows:
        if spec.kpi not in kpis or not (spec.published or spec.protected):
            continue
        if spec.kpi == ROI:
            terms = roi_terms(system, snapshot, parts.get((spec.use_case, spec.peer_group), []), spec, bases)
        else:
            members = cells.get((spec.kpi, spec.use_case, spec.peer_group), [])
            terms = bench_terms(system, snapshot, members, spec, bases)
        if not terms:
            continue
        group = "" if spec.peer_group is None else f" groupe {spec.peer_group},"
        label = f"{snapshot.quarter} édition {snapshot.edition},{group} {spec.use_case} × {spec.kpi}: {spec.measure}"
        owner = (spec.kpi, spec.use_case, spec.peer_group) if snapshot.current else None
        size = sum(len(system.bases[b][1]) for b, _, _ in terms)
        system.rows.append(Row(label, tuple(terms), spec.published, spec.protected, owner, size))


def bench_terms(
    system: System,
    snapshot: Snapshot,
    members: list[Member],
    spec: RowSpec,
    bases: dict[tuple[Any, ...], int],
) -> list[tuple[int, str, float]]:
    """A benchmark row's parts: the bases of its members' units (made once per cell and kind)."""
    cell = (spec.kpi, spec.use_case, spec.peer_group)
    wanted = (
        [("P", True, "met"), ("P", False, "met")]
        if spec.measure == "threshold"
        else [BENCH_PARTS[spec.measure]]
    )
    terms = []
    for kind, with_baseline, measure in wanted:
        key = (*cell, kind, with_baseline)
        if key not in bases:
            units = []
            for m in members:
                if (m.baseline is not None) == with_baseline:
                    units.append(member_units(system, snapshot, m).get(kind))
            bases[key] = system.add_base(kind, [u for u in units if u is not None])
        if system.bases[bases[key]][1]:
            terms.append((bases[key], measure, 1.0))
    return terms


def roi_terms(
    system: System, snapshot: Snapshot, parts: list[RoiPart], spec: RowSpec, bases: dict[tuple[Any, ...], int]
) -> list[tuple[int, str, float]]:
    """A ROI row's parts: Σ costs, Σ gains (the euro pilot units of every pilot quarter), the ratio row
    Σ gains − (1 + r) Σ costs, or the count of positive ROIs."""
    cell = (ROI, spec.use_case, spec.peer_group)

    def base(name: str) -> int:
        key = (*cell, name)
        if key not in bases:
            if name == "positive":
                seen: dict[str, RoiPart] = {f"{p.use_case}/{p.finess}": p for p in parts}
                units = [
                    system.unit(("R", snapshot.quarter, who, p.positive), {"positive": float(p.positive)},
                                {"positive": (0.0, 1.0)})
                    for who, p in seen.items()
                ]  # fmt: skip
                bases[key] = system.add_base("R", units)
            else:
                units = [
                    system.unit(
                        (
                            "P",
                            p.kpi,
                            p.pilot_quarter,
                            f"{p.use_case}/{p.finess}",
                            version(p.value, None, None),
                        ),
                        {"sum": p.value},
                        {"sum": (p.low, p.high)},
                    )
                    for p in parts
                    if p.kpi in ROI_KPIS[name]
                ]
                bases[key] = system.add_base("P", units)
        return bases[key]

    if spec.measure == "positive":
        return [(base("positive"), "positive", 1.0)]
    if spec.measure == "roi_pooled":
        return [(base("gains"), "sum", 1.0), (base("cost"), "sum", -(1.0 + number(spec.ratio)))]
    return [(base(spec.measure), "sum", 1.0)]


# --- atoms, components, programmes --------------------------------------------------------------


@dataclass(frozen=True)
class Programme:
    """One family's system over atoms: variables (atom, measure), equality rows and targets."""

    names: list[tuple[int, str]]
    bounds: list[tuple[float, float]]
    values: np.ndarray
    rows: list[tuple[dict[int, float], Row]]  # linear form over variables, and its row
    pairs: list[tuple[int, int]]  # (smaller, larger) variables


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


def components(programme: Programme) -> list[tuple[list[int], list[int]]]:
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
    return [(by_label[label], rows.get(label, [])) for label in range(count)]


@dataclass
class Counts:
    components: int = 0
    closed_form: int = 0
    programmes: int = 0
    targets: int = 0


def audit_programme(programme: Programme, level: float, counts: Counts) -> list[JointFailure]:
    """Every protected, unpublished row bounded within ±`level` of its value by the others."""
    failures = []
    for variables, row_ids in components(programme):
        targets = [
            i for i in row_ids if programme.rows[i][1].protected and not programme.rows[i][1].published
        ]
        if not targets:
            continue
        counts.components += 1
        failures += audit_component(programme, variables, row_ids, targets, level, counts)
    return failures


def audit_component(
    programme: Programme,
    variables: list[int],
    row_ids: list[int],
    targets: list[int],
    level: float,
    counts: Counts,
) -> list[JointFailure]:
    local = {v: i for i, v in enumerate(variables)}
    scale = max([1.0, *(abs(float(programme.values[v])) for v in variables)])
    equalities: dict[tuple[tuple[int, float], ...], float] = {}
    for i in row_ids:
        form, row = programme.rows[i]
        if row.published:
            key = tuple(sorted((local[v], c) for v, c in form.items()))
            equalities[key] = sum(c * float(programme.values[v]) for v, c in form.items()) / scale
    pairs = [(local[a], local[b]) for a, b in programme.pairs if a in local]
    bounds = [(programme.bounds[v][0] / scale, programme.bounds[v][1] / scale) for v in variables]
    candidates = secondary_candidates([programme.rows[i][1] for i in row_ids])
    solved: dict[tuple[tuple[int, float], ...], tuple[float, float]] = {}
    failures = []
    for i in targets:
        form, row = programme.rows[i]
        objective = tuple(sorted((local[v], c) for v, c in form.items()))
        counts.targets += 1
        if objective not in solved:
            solved[objective] = bound(objective, equalities, pairs, bounds, counts)
        low, high = (end * scale for end in solved[objective])
        value = sum(c * float(programme.values[v]) for v, c in form.items())
        lower = sum(c * programme.bounds[v][0 if c > 0 else 1] for v, c in form.items())
        upper = sum(c * programme.bounds[v][1 if c > 0 else 0] for v, c in form.items())
        figure = Figure(value, lower, upper, published=False, protected=True)
        if not is_protected(figure, low, high, level, max(scale, abs(value))):
            failures.append(JointFailure(row.label, value, low, high, candidates, row.owner is not None))
    return failures


def secondary_candidates(rows: Iterable[Row]) -> tuple[tuple[Any, ...], ...]:
    """The cells of the edition being frozen that publish a figure of the component, in the order they
    are withheld: peer-group rows first, then use cases, ENSEMBLE last, smallest first."""
    sizes: dict[tuple[Any, ...], int] = {}
    for row in rows:
        if row.published and row.owner is not None:
            sizes[row.owner] = min(sizes.get(row.owner, row.size), row.size)
    order = sorted(sizes, key=lambda o: (o[1] == TOTAL, o[2] is None, sizes[o], str(o)))
    return tuple(order)


def bound(
    objective: tuple[tuple[int, float], ...],
    equalities: dict[tuple[tuple[int, float], ...], float],
    pairs: list[tuple[int, int]],
    bounds: list[tuple[float, float]],
    counts: Counts,
) -> tuple[float, float]:
    """The range of Σ c·x over the component: closed form for one unknown under at most one sum, else
    HiGHS on sparse matrices."""
    size = len(bounds)
    if len(objective) == 1 and objective[0][1] == 1.0 and not pairs and len(equalities) <= 1:
        counts.closed_form += 1
        a_eq = b_eq = None
        for form, rhs in equalities.items():
            a_eq, b_eq = np.zeros((1, size)), np.array([rhs])
            for v, c in form:
                a_eq[0][v] = c
        return one_sum_range(objective[0][0], a_eq, b_eq, bounds)
    counts.programmes += 1
    return highs_range(objective, equalities, pairs, bounds)


def highs_range(
    objective: tuple[tuple[int, float], ...],
    equalities: dict[tuple[tuple[int, float], ...], float],
    pairs: list[tuple[int, int]],
    bounds: list[tuple[float, float]],
) -> tuple[float, float]:
    from scipy.optimize import linprog  # scipy only where the audit needs a solver
    from scipy.sparse import csr_matrix

    size = len(bounds)

    def matrix(forms: Iterable[Iterable[tuple[int, float]]]) -> csr_matrix | None:
        data, rows, cols = [], [], []
        for r, form in enumerate(forms):
            for v, c in form:
                rows.append(r)
                cols.append(v)
                data.append(c)
        return csr_matrix((data, (rows, cols)), shape=(max(rows) + 1, size)) if rows else None

    a_eq = matrix(equalities)
    b_eq = np.array(list(equalities.values())) if a_eq is not None else None
    a_ub = matrix([((a, 1.0), (b, -1.0)) for a, b in pairs])
    b_ub = np.zeros(len(pairs)) if a_ub is not None else None
    ends = []
    for sign in (1.0, -1.0):
        c = np.zeros(size)
        for v, coefficient in objective:
            c[v] = sign * coefficient
        result = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if result.status == 3:
            ends.append(-sign * np.inf)
        elif result.status != 0:
            raise RuntimeError(f"joint audit programme not solved: {result.message}")
        else:
            ends.append(sign * result.fun)
    return ends[0], ends[1]


def target_kpis(snapshots: Iterable[Snapshot]) -> set[str]:
    """The KPIs of the families holding a protected, unpublished figure (the others need no programme)."""
    families = {family(s.kpi) for snap in snapshots for s in snap.rows if s.protected and not s.published}
    return families


def audit_snapshots(snapshots: Sequence[Snapshot], level: float) -> tuple[list[JointFailure], Counts]:
    """The joint audit of every snapshot, family by family."""
    counts = Counts()
    failures: list[JointFailure] = []
    wanted = target_kpis(snapshots)
    by_family: dict[str, set[str]] = {}
    for snap in snapshots:
        for spec in snap.rows:
            if family(spec.kpi) in wanted:
                by_family.setdefault(family(spec.kpi), set()).add(spec.kpi)
    for name in sorted(by_family):
        system = System()
        kpis = by_family[name]
        for snap in snapshots:
            add_snapshot(system, snap, kpis)
        failures += audit_programme(atoms_of(system), level, counts)
    return failures, counts
