"""Disclosure control of the published tables: primary and secondary suppression.

Primary: a statistic over fewer than `min_establishments` establishments, or whose known patient count
(Σ effectif, else Σ dénominateur) is under `min_patients`, is withheld.
Secondary: the use-case cells of a group add up to the group's published ENSEMBLE row (counts of
improved experimentations, pooled numerators and denominators are additive), so the withheld cells of
a group, taken together, must themselves pass the primary rule; otherwise the smallest published cell
is withheld too, and then the ENSEMBLE row if nothing else is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SECONDARY_REASON = "secret secondaire : protège une autre case"


@dataclass(frozen=True)
class Rules:
    """The two publication thresholds of the settings."""

    min_establishments: int
    min_patients: int


@dataclass(frozen=True)
class Support:
    """What a statistic rests on (kept private): who, and how many patients.

    `group` holds the cells that add up to the group's total (`is_total`). Patient counts are the
    known ones (a lower bound), None when no row of the cell carries a count.
    """

    key: tuple[str, ...]
    group: tuple[str, ...]
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


def add_counts(counts: Iterable[float | None]) -> float | None:
    """Sum of the known counts; None when none is known."""
    known = [count for count in counts if count is not None]
    return sum(known) if known else None


def combine(supports: list[Support]) -> Support:
    """The support of the union of several cells: what a subtraction from the total would reveal."""
    return Support(
        key=("union",),
        group=supports[0].group,
        is_total=False,
        establishments=frozenset().union(*(s.establishments for s in supports)),
        n_experimentations=sum(s.n_experimentations for s in supports),
        patients=add_counts(s.patients for s in supports),
        baseline_patients=add_counts(s.baseline_patients for s in supports),
    )


def smallest_first(support: Support) -> tuple[int, float, tuple[str, ...]]:
    """Order in which published cells are sacrificed: least information lost first."""
    return (support.n_experimentations, support.patients or 0.0, support.key)


def protect_group(members: list[Support], reasons: dict[tuple[str, ...], str | None], rules: Rules) -> None:
    """Add secondary suppressions to one group until its withheld cells cannot be recomputed."""
    totals = [s for s in members if s.is_total]
    parts = [s for s in members if not s.is_total]
    if not totals or reasons[totals[0].key] is not None:
        return  # no published margin: nothing can be recomputed by subtraction
    while True:
        hidden = [s for s in parts if reasons[s.key] is not None]
        if not hidden or primary_reason(combine(hidden), rules) is None:
            return
        published = sorted((s for s in parts if reasons[s.key] is None), key=smallest_first)
        if not published:
            reasons[totals[0].key] = SECONDARY_REASON
            return
        reasons[published[0].key] = SECONDARY_REASON


def withholding_reasons(supports: list[Support], rules: Rules) -> dict[tuple[str, ...], str | None]:
    """The reason each cell is withheld (None: published), primary then secondary suppression."""
    reasons = {s.key: primary_reason(s, rules) for s in supports}
    groups: dict[tuple[str, ...], list[Support]] = {}
    for support in supports:
        groups.setdefault(support.group, []).append(support)
    for group in sorted(groups):
        protect_group(groups[group], reasons, rules)
    return reasons
