"""Disclosure control of the published tables (publication rules v3, docs/methodology.md).

- Primary: a cell over fewer than `min_establishments` establishments, or whose known patient count
  (Σ effectif, else Σ dénominateur) is under `min_patients` (pilot or baseline), is withheld whole.
- Dominance and p %: a linear statistic is withheld when one establishment holds more than
  `max_dominance` of any additive figure of the cell, or when the second largest could estimate the
  largest within `p_percent` (τ-ARGUS p % rule). Shares only from `min_share` experimentations.
- Position statistics (medians, quartiles, their intervals) only from `min_position` values, P10 and
  P90 from `min_extreme_position`: below that they would be members' own values.
- Secondary: the additive figures of a KPI's use-case cells add up to its ENSEMBLE row; cells are
  withheld, smallest first, until the audit (disclosure/audit.py) finds every withheld figure bounded
  no closer than ±`protection_level` of its value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from disclosure.audit import AuditReport, Failure, LinkedTable, audit_table
from tlkpi.errors import PipelineError
from tlkpi.settings import Settings
from tlkpi.settings_parts import default, settings_part

SECONDARY_REASON = "secret secondaire : protège une autre case"
Key = tuple[str, ...]


class DisclosureError(PipelineError):
    """A release the audit refuses: a withheld figure can be recomputed from what would be published.

    `report` is the audit that refused it, when there is one (written for the operator).
    """

    def __init__(self, message: str, report: AuditReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class Rules:
    """The publication thresholds of the settings (tlkpi/settings.py documents each)."""

    min_establishments: int = default("min_establishments")
    min_patients: int = default("min_patients")
    max_dominance: float = default("max_dominance")
    min_position: int = default("min_position")
    min_extreme_position: int = default("min_extreme_position")
    protection_level: float = default("protection_level")
    p_percent: float = default("p_percent")
    min_share: int = default("min_share")
    min_series_change: int = default("min_series_change")

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return settings_part(cls, settings)


@dataclass(frozen=True)
class Support:
    """What a statistic rests on (kept private): who, and how many patients.

    Patient counts are the known ones (a lower bound), None when no row of the cell carries a count.
    """

    key: Key
    group: Key
    is_total: bool
    establishments: frozenset[str]
    n_experimentations: int
    patients: float | None = None
    baseline_patients: float | None = None


def primary_reason(support: Support, rules: Rules) -> str | None:
    """Why a statistic may not be published on its own, or None."""
    if len(support.establishments) < rules.min_establishments:
        return f"moins de {rules.min_establishments} établissements"
    counts = (support.patients, support.baseline_patients)
    if any(count is not None and count < rules.min_patients for count in counts):
        return f"moins de {rules.min_patients} patients"
    return None


def dominance_reason(shares: Iterable[float], rules: Rules) -> str | None:
    """Why the linear statistics of a cell are withheld: one establishment's share is too large."""
    if any(share > rules.max_dominance for share in shares):
        return f"un établissement représente plus de {round(100 * rules.max_dominance)} % de la case"
    return None


def sensitivity_reason(contributions: Iterable[tuple[str, float]], rules: Rules) -> str | None:
    """Why a cell's linear statistics may not show an additive figure (amount, count, numerator,
    denominator, effectif) given as (finess, contribution): one establishment holds more than
    `max_dominance` of the total (dominance), or the second largest, subtracting its own part from the
    total, would know the largest within `p_percent` (p % rule, τ-ARGUS: Σ others < p × largest)."""
    totals: dict[str, float] = {}
    for finess, value in contributions:
        totals[finess] = totals.get(finess, 0.0) + abs(value)
    ordered = sorted(totals.values(), reverse=True)
    whole = sum(ordered)
    if whole <= 0 or len(ordered) < 2:
        return None
    if ordered[0] > rules.max_dominance * whole:
        return f"un établissement représente plus de {round(100 * rules.max_dominance)} % de la case"
    if whole - ordered[0] - ordered[1] < rules.p_percent * ordered[0]:
        return (
            f"règle des p % : le deuxième établissement estimerait le premier à moins de "
            f"{round(100 * rules.p_percent)} % près"
        )
    return None


def largest_share(weights: Iterable[tuple[str, float]]) -> float:
    """The largest establishment's share of the total weight (0 when there is no weight)."""
    totals: dict[str, float] = {}
    for finess, weight in weights:
        totals[finess] = totals.get(finess, 0.0) + abs(weight)
    whole = sum(totals.values())
    return max(totals.values()) / whole if whole > 0 else 0.0


def position_reason(n_values: int, rules: Rules) -> str | None:
    """Why some position statistics (and shares) of a cell are empty, in one French sentence, or None."""
    if n_values < min(rules.min_position, rules.min_share):
        return (
            f"moins de {min(rules.min_position, rules.min_share)} expérimentations : médianes, quartiles "
            "et parts non publiés, car ils seraient la valeur d'un établissement ou diraient celle de chacun"
        )
    if n_values < rules.min_position:
        return (
            f"moins de {rules.min_position} expérimentations : médianes et quartiles non publiés, "
            "car ils seraient la valeur d'un établissement"
        )
    if n_values < rules.min_share:
        return (
            f"moins de {rules.min_share} expérimentations : parts non publiées, car une part de 0 ou 1 "
            "dirait le résultat de chacune"
        )
    if n_values < rules.min_extreme_position:
        return f"moins de {rules.min_extreme_position} expérimentations : P10 et P90 non publiés"
    return None


def smallest_first(support: Support) -> tuple[int, float, Key]:
    """Order in which published cells are sacrificed: least information lost first."""
    return (support.n_experimentations, support.patients or 0.0, support.key)


TableBuilder = Callable[[dict[Key, str | None]], LinkedTable]


def protect_table(
    members: list[Support], reasons: dict[Key, str | None], build: TableBuilder, rules: Rules
) -> None:
    """Withhold more cells of one linked table until the audit finds nothing recoverable."""
    while True:
        failures = audit_table(build(reasons), rules.protection_level)
        if not failures:
            return
        candidates = victims(members, reasons, failures[0])
        if not candidates:
            raise DisclosureError(failures[0].describe())
        reasons[first_that_protects(candidates, reasons, failures[0], build, rules).key] = SECONDARY_REASON


def victims(members: list[Support], reasons: dict[Key, str | None], failure: Failure) -> list[Support]:
    """The published cells that may be withheld for a failure: use cases smallest first, then ENSEMBLE."""
    shown = [s for s in members if reasons[s.key] is None and s.key != failure.cell]
    parts = sorted((s for s in shown if not s.is_total), key=smallest_first)
    return parts + [s for s in shown if s.is_total]


def first_that_protects(
    candidates: list[Support],
    reasons: dict[Key, str | None],
    failure: Failure,
    build: TableBuilder,
    rules: Rules,
) -> Support:
    """The first candidate whose withholding protects the failing figure; else the first (progress)."""
    for candidate in candidates:
        trial = {**reasons, candidate.key: SECONDARY_REASON}
        remaining = audit_table(build(trial), rules.protection_level)
        if not any((f.cell, f.measure) == (failure.cell, failure.measure) for f in remaining):
            return candidate
    return candidates[0]


def withholding_reasons(
    supports: list[Support], rules: Rules, builders: dict[Key, TableBuilder]
) -> dict[Key, str | None]:
    """The reason each cell is withheld whole (None: published), primary then secondary suppression.

    `builders[group]` makes the group's linked table for given reasons (see disclosure/cells.py).
    """
    reasons = {s.key: primary_reason(s, rules) for s in supports}
    groups: dict[Key, list[Support]] = {}
    for support in supports:
        groups.setdefault(support.group, []).append(support)
    for group in sorted(groups):
        protect_table(groups[group], reasons, builders[group], rules)
        while (victim := complement_victim(groups[group], reasons, rules)) is not None:
            reasons[victim.key] = SECONDARY_REASON
            protect_table(groups[group], reasons, builders[group], rules)
    return reasons


def complement_victim(members: list[Support], reasons: dict[Key, str | None], rules: Rules) -> Support | None:
    """ENSEMBLE minus the published use cases is a statistic of the withheld ones together, whatever
    the weights: when that union fails the primary rule, the smallest published use case to withhold
    with them (ENSEMBLE when none is left); None when the union passes or ENSEMBLE is withheld."""
    totals = [s for s in members if s.is_total and reasons[s.key] is None]
    hidden = [s for s in members if not s.is_total and reasons[s.key] is not None]
    if not totals or not hidden:
        return None
    known = [count for s in hidden for count in (s.patients,) if count is not None]
    union = Support(
        key=("complement",),
        group=totals[0].group,
        is_total=False,
        establishments=frozenset().union(*(s.establishments for s in hidden)),
        n_experimentations=sum(s.n_experimentations for s in hidden),
        patients=sum(known) if known else None,
    )
    if primary_reason(union, rules) is None:
        return None
    shown = sorted((s for s in members if not s.is_total and reasons[s.key] is None), key=smallest_first)
    return shown[0] if shown else totals[0]


def audit_release(tables: Iterable[LinkedTable], rules: Rules) -> list[Failure]:
    """The final audit of what is published: every failure of every linked table."""
    return [failure for table in tables for failure in audit_table(table, rules.protection_level)]
