"""Which published statistic a page shows for a level, a change, a ROI: one accessor each.

The publication rules decide what exists: a mean from 3 establishments, a median from 10. Pages ask
here and show what is there, the mean first when it is published, else the median. These accessors are
the one place to re-point when the published columns change; they compute nothing new, except
comparisons and ratios of published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure.benchmark import BenchmarkCell, RoiCell

MEAN, MEDIAN, RATE, ROI_POOLED = "moyenne", "médiane", "taux global", "ROI global"


@dataclass(frozen=True)
class Level:
    """A published figure and the word that says which statistic it is."""

    value: float
    statistic: str


def pilot_level(cell: BenchmarkCell) -> Level | None:
    """The pilot level of a cell: its mean when published, else its median, else its global rate."""
    return _level(cell.pilot_mean, cell.pilot_median, cell.pooled_rate)


def baseline_level(cell: BenchmarkCell) -> Level | None:
    """The reference level of a cell, the same statistic as `pilot_level` where both exist."""
    return _level(cell.baseline_mean, cell.baseline_median, None)


def _level(mean: float | None, median: float | None, rate: float | None) -> Level | None:
    if mean is not None:
        return Level(mean, MEAN)
    if median is not None:
        return Level(median, MEDIAN)
    if rate is not None:
        return Level(rate, RATE)
    return None


def level_change(cell: BenchmarkCell) -> float | None:
    """Pilot minus reference in the KPI's unit: the published mean change, else the difference of the
    two published levels when they are the same statistic."""
    change = cell.mean_change
    if change is not None:
        return change
    pilot, baseline = pilot_level(cell), baseline_level(cell)
    if pilot is None or baseline is None or pilot.statistic != baseline.statistic:
        return None
    return pilot.value - baseline.value


def improved(cell: BenchmarkCell) -> bool | None:
    """Whether the published change goes the KPI's better way (None: not published, or no change)."""
    change = level_change(cell)
    if change is None and cell.median_relative_change is not None:
        change = cell.median_relative_change
    if change is None or change == 0:
        return None if change is None else False
    return change < 0 if cell.lower_is_better else change > 0


def worsened(cell: BenchmarkCell) -> bool:
    change = level_change(cell)
    if change is None:
        change = cell.median_relative_change
    if change is None or change == 0:
        return False
    return change > 0 if cell.lower_is_better else change < 0


def threshold_reached(cell: BenchmarkCell) -> tuple[bool, str] | None:
    """Whether the published level reaches the KPI's threshold, and which statistic was compared: the
    published verdict on the median when there is one, else the published mean against the threshold
    (a comparison of two published figures)."""
    if cell.withheld or cell.threshold is None:
        return None
    if cell.threshold_met is not None:
        return cell.threshold_met, MEDIAN
    level = pilot_level(cell)
    if level is None:
        return None
    reached = level.value <= cell.threshold if cell.lower_is_better else level.value >= cell.threshold
    return reached, level.statistic


def median_withheld(cell: BenchmarkCell) -> bool:
    """A published cell whose median is empty: the page says why in one sentence."""
    return not cell.withheld and cell.pilot_median is None


def roi_level(row: RoiCell) -> Level | None:
    """The published ROI of a use case (a ratio: 0.25 is 25 %): its global ROI (Σ gains − Σ costs) /
    Σ costs when published, else its median."""
    if row.withheld:
        return None
    if row.roi_pooled is not None:
        return Level(row.roi_pooled, ROI_POOLED)
    return None if row.roi_median is None else Level(row.roi_median, MEDIAN)


def roi_spread(row: RoiCell) -> tuple[float, float] | None:
    """The published P25–P75 of the ROI, when there is one."""
    if row.withheld or row.roi_p25 is None or row.roi_p75 is None:
        return None
    return row.roi_p25, row.roi_p75


TEMPLATE_GLOBALS = {
    "pilot_level": pilot_level,
    "baseline_level": baseline_level,
    "level_change": level_change,
    "improved": improved,
    "worsened": worsened,
    "threshold_reached": threshold_reached,
}
