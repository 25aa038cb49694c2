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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

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


BASELINE_PART = "#référence"  # the owner of a row's baseline figures: withheld alone, its pilot ones stay


def owner_kpi(kpi: str, measure: str) -> str:
    """A baseline figure's row is owned by the cell's reference side: withholding it to protect another
    figure withholds the baseline mean, median and change only (the pilot figures are other unknowns)."""
    return kpi + BASELINE_PART if measure.startswith("baseline_") else kpi


def split_owner_kpi(kpi: str) -> tuple[str, bool]:
    """(the KPI, whether only its baseline figures are meant) of an owner's first element."""
    return (kpi.removesuffix(BASELINE_PART), True) if kpi.endswith(BASELINE_PART) else (kpi, False)


def family(kpi: str) -> str:
    """The KPIs whose rows can share an unknown: one KPI, or the ROI with its three euro KPIs."""
    return ROI if kpi == ROI or kpi in {k for kpis in ROI_KPIS.values() for k in kpis} else kpi


def version(*values: Any) -> tuple[Any, ...]:
    """A figure's value as part of its unknown's name (10 significant digits, as the digests)."""
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
    kpi: str = ""


@dataclass(frozen=True)
class JointFailure:
    label: str
    value: float
    low: float
    high: float
    candidates: tuple[tuple[Any, ...], ...]  # current cells in its component, smallest first
    current: bool  # a figure of the edition being frozen
    kpi: str = ""

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
    units: dict[int, dict[str, UnitKey]] = {}  # id(member) -> its units: a member is in four cells
    for spec in snapshot.rows:
        if spec.kpi not in kpis or not (spec.published or spec.protected):
            continue
        if spec.kpi == ROI:
            terms = roi_terms(system, snapshot, parts.get((spec.use_case, spec.peer_group), []), spec, bases)
        else:
            members = cells.get((spec.kpi, spec.use_case, spec.peer_group), [])
            terms = bench_terms(system, snapshot, members, spec, bases, units)
        if not terms:
            continue
        group = "" if spec.peer_group is None else f" groupe {spec.peer_group},"
        label = f"{snapshot.quarter} édition {snapshot.edition},{group} {spec.use_case} × {spec.kpi}: {spec.measure}"
        owner = (
            (owner_kpi(spec.kpi, spec.measure), spec.use_case, spec.peer_group) if snapshot.current else None
        )
        size = sum(len(system.bases[b][1]) for b, _, _ in terms)
        system.rows.append(Row(label, tuple(terms), spec.published, spec.protected, owner, size, spec.kpi))


def bench_terms(
    system: System,
    snapshot: Snapshot,
    members: list[Member],
    spec: RowSpec,
    bases: dict[tuple[Any, ...], int],
    units_of: dict[int, dict[str, UnitKey]],
) -> list[tuple[int, str, float]]:
    """A benchmark row's parts: the bases of its members' units (made once per cell and kind, and
    once per member in `units_of`)."""
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
                    if id(m) not in units_of:
                        units_of[id(m)] = member_units(system, snapshot, m)
                    units.append(units_of[id(m)].get(kind))
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
