"""The scorecard of an establishment's private index: per experimentation, its ROI against the published
figure of its use case and of the programme, and per domain its KPIs improved / worsened / unchanged,
thresholds met and how it stands against the published peer level. Own values against published
figures only (the same disclosure rules as the public site: a peer figure exists only if published).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from disclosure.benchmark import BenchmarkCell
from reports.private.data import OwnValue
from reports.published import pilot_level


@dataclass(frozen=True)
class DomainScore:
    code: str
    label: str
    improved: int
    worsened: int
    unchanged: int
    threshold_met: int
    with_threshold: int
    better_than_peers: int
    compared: int


def direction_of(own: OwnValue) -> str:
    """'amélioration', 'dégradation' or 'stable' (None when the KPI has no change to show)."""
    if own.relative_change is None:
        return ""
    if own.relative_change == 0:
        return "stable"
    return "amélioration" if own.improved else "dégradation"


def meets(value: float | None, threshold: float | None, lower_is_better: bool) -> bool | None:
    if value is None or threshold is None:
        return None
    return value <= threshold if lower_is_better else value >= threshold


def peer_levels(cells: Iterable[BenchmarkCell]) -> dict[tuple[str, str], float]:
    """(use case, KPI) -> the published peer level (mean when published, else median, else the global rate)."""
    levels = {}
    for cell in cells:
        level = None if cell.withheld else pilot_level(cell)
        if level is not None:
            levels[(cell.use_case, cell.kpi)] = level.value
    return levels


def score_domain(
    code: str,
    label: str,
    values: Iterable[OwnValue],
    use_case: str,
    thresholds: Mapping[str, tuple[float | None, bool]],
    peers: Mapping[tuple[str, str], float],
) -> DomainScore:
    words = []
    met = with_threshold = better = compared = 0
    for own in values:
        words.append(direction_of(own))
        threshold, lower = thresholds.get(own.kpi, (None, False))
        verdict = meets(own.pilot, threshold, lower)
        if verdict is not None:
            with_threshold += 1
            met += verdict
        peer = peers.get((use_case, own.kpi))
        if peer is not None and own.pilot is not None and own.pilot != peer:
            compared += 1
            better += (own.pilot < peer) if lower else (own.pilot > peer)
    return DomainScore(
        code=code,
        label=label,
        improved=words.count("amélioration"),
        worsened=words.count("dégradation"),
        unchanged=words.count("stable"),
        threshold_met=met,
        with_threshold=with_threshold,
        better_than_peers=better,
        compared=compared,
    )
