"""What the joint audit withholds, applied to the edition (disclosure/joint_release.py): a chosen
cell ("victim") loses the whole row, or only its baseline figures when it was chosen to protect a
reference figure (its owner is then `<KPI>#référence`, disclosure/joint.py). National rows are changed
here; peer-group rows by compute_peer_release, from the keys `peer_victims` gives it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from disclosure import series
from disclosure.benchmark import BenchmarkCell, Release, withhold
from disclosure.joint import BASELINE_PART, ROI, split_owner_kpi
from disclosure.peers import NATIONAL
from disclosure.rules import SECONDARY_REASON, Key

Owner = tuple[str, str, str | None]  # (kpi or ROI, use case, peer group or None)


def apply_victims(release: Release, victims: set[Owner]) -> Release:
    """The national rows withheld for the joint system (group rows go to compute_peer_release): the whole
    row, or its baseline figures only when only they were needed."""
    cells = [
        withhold(c, c.withheld_reason or SECONDARY_REASON)
        if (c.kpi, c.use_case, None) in victims
        else without_baseline(c)
        if (c.kpi + BASELINE_PART, c.use_case, None) in victims
        else c
        for c in release.cells
    ]
    roi = [
        withhold(c, c.withheld_reason or SECONDARY_REASON) if (ROI, c.use_case, None) in victims else c
        for c in release.roi
    ]
    return replace(release, cells=cells, roi=roi)


def without_baseline(cell: BenchmarkCell) -> BenchmarkCell:
    """A row whose baseline figures (mean, median, change) protect another cell; its pilot ones stay."""
    if cell.withheld or (cell.baseline_mean is None and cell.baseline_median is None):
        return cell
    return series.without_baseline(cell, SECONDARY_REASON)


def peer_victims(
    victims: set[Owner], peers_keys: Callable[[str, str, str], Key | None]
) -> frozenset[tuple[str, str, Key]]:
    """(group, 'bench', 'roi' or 'baseline', cell key) for compute_peer_release; a national row's
    baseline withheld withholds its groups' baselines too (the national figure is their sum)."""
    out = set()
    for owner_kpi, use_case, group in victims:
        kpi, baseline_only = split_owner_kpi(owner_kpi)
        if group is None and not baseline_only:
            continue  # the national row withheld: compute_peer_release withholds its groups
        key = peers_keys(kpi, use_case, group or NATIONAL)
        if key is not None:
            table = "baseline" if baseline_only else "roi" if kpi == ROI else "bench"
            out.add((group or NATIONAL, table, key))
    return frozenset(out)
