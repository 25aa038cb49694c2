"""Which published figure a page shows (mean first, else median), the improved / worsened verdicts and
the matrix cells of the index: from published rows only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from disclosure.benchmark import BenchmarkCell
from reports.published import MEAN, MEDIAN, baseline_level, improved, pilot_level, worsened
from reports.summary import matrix_cell
from tests.support.cells import benchmark_cell as cell


@dataclass(frozen=True)
class WithMeans:
    """A row as the disclosure rules v2 publish it: means from 3 establishments, no median under 10."""

    cell: BenchmarkCell
    baseline_mean: float
    pilot_mean: float
    mean_change: float

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cell, name)


def test_median_when_no_mean_is_published() -> None:
    row = cell(baseline_median=80.0, pilot_median=60.0)
    assert pilot_level(row).statistic == MEDIAN and pilot_level(row).value == 60.0  # type: ignore[union-attr]
    assert improved(row) is True and worsened(row) is False


def test_mean_first_when_published() -> None:
    row = WithMeans(cell(pilot_median=None), baseline_mean=70.0, pilot_mean=75.0, mean_change=5.0)
    assert pilot_level(row).statistic == MEAN  # type: ignore[arg-type, union-attr]
    assert baseline_level(row).value == 70.0  # type: ignore[arg-type, union-attr]
    assert improved(row) is False and worsened(row) is True  # type: ignore[arg-type]


def test_matrix_cell_statuses() -> None:
    published = cell(share_improved=0.5, n_experimentations=4)
    other = cell(kpi="QUA", share_improved=1.0, n_experimentations=2)
    assert matrix_cell("EFF", [published, other]).share == (0.5 * 4 + 1.0 * 2) / 6
    assert matrix_cell("EFF", [published, other]).n_experimentations == 4
    assert matrix_cell("EFF", [cell(withheld=True)]).status == "secret"
    assert matrix_cell("ECO", [cell(kind="amount_eur")]).status == "sans comparaison"
    assert matrix_cell("ATT", []).status == "vide"
