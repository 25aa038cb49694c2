"""The golden benchmark: every published number of a small dataset, worked out by hand here.

The dataset is in golden_data.py (six establishments E1..E6, quarter 2025-T3). Published values are
rounded to 6 decimals, hence pytest.approx(abs=1e-6).
"""

from __future__ import annotations

from math import sqrt
from pathlib import Path

import pytest
from golden_data import QUARTER, build_golden_warehouse

from reports.site import render_quarter_site
from tlkpi.settings import Settings
from warehouse.benchmark import BenchmarkCell, RoiCell
from warehouse.db import open_warehouse
from warehouse.disclosure import SECONDARY_REASON, Rules
from warehouse.editions import freeze_edition, read_benchmark, read_roi

RULES = Rules(min_establishments=3, min_patients=11)


def approx(value: float) -> object:
    return pytest.approx(value, abs=1e-6)


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[tuple[str, str], BenchmarkCell], dict[str, RoiCell], Path]:
    root = tmp_path_factory.mktemp("golden")
    path = build_golden_warehouse(root / "warehouse" / "tlkpi.duckdb")
    with open_warehouse(path) as con:
        edition = freeze_edition(con, QUARTER, RULES).edition
        cells = {(cell.use_case, cell.kpi): cell for cell in read_benchmark(con, edition)}
        roi = {row.use_case: row for row in read_roi(con, edition)}
    render_quarter_site(path, QUARTER, root / "site", Settings(data_root=root))
    return cells, roi, root / "site" / QUARTER


def test_lower_is_better_duration_with_monthly_roll_up_and_weighted_mean(published) -> None:
    cell = published[0][("UC01", "EFF_DELAI_PEC")]
    # pilot values: E1 80; E2 months (80×10 + 50×30) / 40 = 57.5 (weighted by effectif);
    # E3 99; E4 55; E5 60; E6 63 (its quarterly row wins over its July row)
    # baselines: E1 100; E2 90; E3 (120 + 100) / 2 = 110 (one row lacks effectif: plain mean); E4 50; E5 80; E6 70
    assert (cell.n_establishments, cell.n_experimentations) == (6, 6)
    assert cell.baseline_median == approx((80 + 90) / 2)  # 50 70 [80 90] 100 110
    assert cell.pilot_median == approx((60 + 63) / 2)  # 55 57.5 [60 63] 80 99
    assert cell.pilot_p10 == approx(55 + 0.5 * (57.5 - 55))  # rank 0.1 × 5 = 0.5
    assert cell.pilot_p25 == approx(57.5 + 0.25 * (60 - 57.5))  # rank 1.25
    assert cell.pilot_p75 == approx(63 + 0.75 * (80 - 63))  # rank 3.75
    assert cell.pilot_p90 == approx(80 + 0.5 * (99 - 80))  # rank 4.5
    assert cell.pooled_rate is None and cell.pooled_rate_low is None
    assert cell.share_improved == approx(5 / 6)  # lower is better: only E4 (50 -> 55) got worse
    # relative changes: E2 (57.5-90)/90 = -0.3611, E5 -0.25, E1 -0.2, E3 -0.1, E6 -0.1, E4 +0.1
    assert cell.median_relative_change == approx((-0.2 - 0.1) / 2)
    # exact order-statistic 95 % interval, n = 6: P(B <= 0) = 1/64 <= 0.025 < P(B <= 1) = 7/64 -> [x(1), x(6)]
    assert cell.median_relative_change_low == approx((57.5 - 90) / 90)
    assert cell.median_relative_change_high == approx(0.1)
    assert cell.threshold == 60 and cell.threshold_met is False  # 61.5 minutes > 60
    assert cell.share_threshold_met == approx(3 / 6)  # E2 57.5, E4 55, E5 60
    assert not cell.withheld


def test_rate_pools_counts_and_differs_from_the_median(published) -> None:
    cell = published[0][("UC01", "QUA_READMISSION_30J")]
    # pilot: E1 5/100 = 5 %; E2 months (10 + 14) / (100 + 200) = 8 %; E3 3/20 = 15 %
    assert cell.pilot_median == approx(8.0)
    n, k = 100 + 300 + 20, 5 + 24 + 3
    assert cell.pooled_rate == approx(100 * k / n)  # 7.619 %, not the median 8 %
    z, p = 1.959963984540054, k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert (cell.pooled_rate_low, cell.pooled_rate_high) == (
        approx(100 * (centre - half)),
        approx(100 * (centre + half)),
    )
    assert cell.baseline_median == approx(10.0)  # 10 %, 30/200 = 15 %, 2/20 = 10 %
    assert cell.share_improved == approx(2 / 3)  # E3 went 10 % -> 15 %
    assert cell.median_relative_change == approx((8 - 15) / 15)  # -0.5, -0.4667, +0.5
    assert cell.median_relative_change_low is None  # fewer than 6 experimentations: no interval
    assert cell.threshold_met is True  # 8 % <= 10 %


def test_roi_per_use_case(published) -> None:
    row = published[1]["UC01"]
    # E1: (20000 + 40000 + 10000 - 60000) / 60000 = 1/6 over T2 and T3
    # E2: (3 × 10000 + 0 - 40000) / 40000 = -0.25 (monthly amounts add up; no recettes)
    # E3: (25000 + 5000 - 20000) / 20000 = 0.5
    assert (row.n_experimentations, row.withheld) == (3, False)
    assert row.roi_median == approx(1 / 6)
    assert row.roi_p25 == approx(-0.25 + 0.5 * (1 / 6 + 0.25))
    assert row.roi_p75 == approx(1 / 6 + 0.5 * (0.5 - 1 / 6))
    assert row.share_positive == approx(2 / 3)


def test_primary_and_secondary_suppression(published) -> None:
    cells = published[0]
    assert cells[("UC02", "EFF_DELAI_PEC")].withheld_reason == "moins de 3 établissements"
    # ENSEMBLE minus UC01 minus UC03 would give UC02 back: UC03, the smallest published cell, goes too
    assert cells[("UC03", "EFF_DELAI_PEC")].withheld_reason == SECONDARY_REASON
    assert not cells[("UC01", "EFF_DELAI_PEC")].withheld
    total = cells[("ENSEMBLE", "EFF_DELAI_PEC")]
    assert (total.withheld, total.n_establishments, total.n_experimentations) == (False, 6, 6 + 2 + 3)
    assert cells[("UC02", "QUA_DMS")].withheld_reason == "moins de 11 patients"  # 2 + 3 + 4 = 9
    assert cells[("ENSEMBLE", "QUA_DMS")].withheld_reason == "moins de 11 patients"  # the same 9 patients
    for key in [("UC02", "EFF_DELAI_PEC"), ("UC03", "EFF_DELAI_PEC"), ("UC02", "QUA_DMS")]:
        cell = cells[key]
        assert cell.pilot_median is None and cell.share_improved is None and cell.baseline_median is None
        assert cell.n_establishments >= 2  # counts stay: they are not disclosive


def test_published_csv_row(published) -> None:
    text = (published[2] / "data" / "benchmark.csv").read_bytes().decode("utf-8")
    rows = {tuple(line.split(";")[2:5:2]): line for line in text.splitlines()}
    assert rows[("UC01", "EFF_DELAI_PEC")].startswith(
        "1;2025-T3;UC01;EFF;EFF_DELAI_PEC;minutes;lower_is_better;6;6;85;61.5;56.25;58.125;75.75;89.5;;;;"
        "0.833333;-0.15;-0.361111;0.1;60;false;false;;0.5;duration;"
    )
    assert rows[("UC02", "EFF_DELAI_PEC")].startswith(
        "1;2025-T3;UC02;EFF;EFF_DELAI_PEC;minutes;lower_is_better;2;2;;;;;;;;;;;;;;60;;true;moins de 3 établissements;;"
    )
