"""The golden benchmark: every number of a small dataset, worked out by hand here.

The dataset is in golden_data.py (six establishments E1..E6, quarter 2025-T3). The statistics before
disclosure control are checked at full precision (pytest.approx(abs=1e-6)); the published ones at
the published precision (1 decimal, euros to the euro, shares to the thousandth, ROI 2 decimals),
with the cells of fewer than 10 experimentations publishing no median. A second dataset of 12
experimentations shows a cell that publishes its median and quartiles.
"""

from __future__ import annotations

from datetime import datetime
from math import sqrt
from pathlib import Path

import pytest
from golden_data import QUARTER, Row, build_golden_warehouse, submit

from disclosure.benchmark import BenchmarkCell, RoiCell
from disclosure.cell_inputs import build_inputs
from disclosure.cells import CellInput, raw_statistics
from disclosure.editions import freeze_edition, read_benchmark, read_roi
from disclosure.rules import SECONDARY_REASON, Rules
from reports.site.writer import render_quarter_site
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.queries import fetch_dicts

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


def raw_cells(path: Path) -> dict[tuple[str, str], CellInput]:
    with open_warehouse(path, read_only=True) as con:
        rows = fetch_dicts(con, "cell_contributions", {"quarter": QUARTER})
    return {(cell.use_case, cell.labels["kpi"]): cell for cell in build_inputs(rows)}


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], CellInput]:
    return raw_cells(build_golden_warehouse(tmp_path_factory.mktemp("raw") / "w.duckdb"))


def test_lower_is_better_duration_with_monthly_roll_up_and_weighted_mean(raw) -> None:
    stats = raw_statistics(raw[("UC01", "EFF_DELAI_PEC")])
    # pilot values: E1 80; E2 months (80×10 + 50×30) / 40 = 57.5 (weighted by effectif);
    # E3 99; E4 55; E5 60; E6 63 (its quarterly row wins over its July row)
    # baselines: E1 100; E2 90; E3 (120 + 100) / 2 = 110 (one row lacks effectif: plain mean); E4 50; E5 80; E6 70
    assert stats["baseline_median"] == approx((80 + 90) / 2)  # 50 70 [80 90] 100 110
    assert stats["pilot_median"] == approx((60 + 63) / 2)  # 55 57.5 [60 63] 80 99
    assert stats["pilot_p10"] == approx(55 + 0.5 * (57.5 - 55))  # rank 0.1 × 5 = 0.5
    assert stats["pilot_p25"] == approx(57.5 + 0.25 * (60 - 57.5))  # rank 1.25
    assert stats["pilot_p75"] == approx(63 + 0.75 * (80 - 63))  # rank 3.75
    assert stats["pilot_p90"] == approx(80 + 0.5 * (99 - 80))  # rank 4.5
    assert stats["pooled_rate"] is None
    assert stats["share_improved"] == approx(5 / 6)  # lower is better: only E4 (50 -> 55) got worse
    # relative changes: E2 (57.5-90)/90 = -0.3611, E5 -0.25, E1 -0.2, E3 -0.1, E6 -0.1, E4 +0.1
    assert stats["median_relative_change"] == approx((-0.2 - 0.1) / 2)
    # exact order-statistic 95 % interval, n = 6: P(B <= 0) = 1/64 <= 0.025 < P(B <= 1) = 7/64 -> [x(1), x(6)]
    assert stats["median_relative_change_low"] == approx((57.5 - 90) / 90)
    assert stats["median_relative_change_high"] == approx(0.1)
    assert stats["share_threshold_met"] == approx(3 / 6)  # E2 57.5, E4 55, E5 60
    # means: every pilot value has its patients (20, 40, 25, 20, 20, 20; E6's quarterly row only) ->
    # weighted; E3's baseline rests on a row without effectif -> the baselines take the plain mean
    pilot_mean = (80 * 20 + 57.5 * 40 + 99 * 25 + 55 * 20 + 60 * 20 + 63 * 20) / 145
    assert stats["pilot_mean"] == approx(pilot_mean)  # 68.517
    assert stats["baseline_mean"] == approx((100 + 90 + 110 + 50 + 80 + 70) / 6)  # 83.333
    assert stats["mean_change"] == approx(pilot_mean - 500 / 6)


def test_rate_pools_counts_and_differs_from_the_median(raw, published) -> None:
    stats = raw_statistics(raw[("UC01", "QUA_READMISSION_30J")])
    # pilot: E1 5/100 = 5 %; E2 months (10 + 14) / (100 + 200) = 8 %; E3 3/20 = 15 %
    assert stats["pilot_median"] == approx(8.0)
    n, k = 100 + 300 + 20, 5 + 24 + 3
    assert stats["pooled_rate"] == stats["pilot_mean"] == approx(100 * k / n)  # 7.619 %, not the median 8 %
    z, p = 1.959963984540054, k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert (stats["pooled_rate_low"], stats["pooled_rate_high"]) == (
        approx(100 * (centre - half)),
        approx(100 * (centre + half)),
    )
    assert stats["baseline_median"] == approx(10.0)  # 10 %, 30/200 = 15 %, 2/20 = 10 %
    assert stats["baseline_mean"] == approx(100 * (10 + 30 + 2) / (100 + 200 + 20))  # pooled: 13.125 %
    assert stats["share_improved"] == approx(2 / 3)  # E3 went 10 % -> 15 %
    assert stats["median_relative_change"] == approx((8 - 15) / 15)  # -0.5, -0.4667, +0.5
    assert stats["median_relative_change_low"] is None  # fewer than 6 experimentations: no interval
    # published (rules v3): 3 experimentations -> no median, no quartile, no share (under 10); and
    # no mean: E1 (100 of the 420 pilot patients) would take Σ dénominateurs − its own 100 = 320 for
    # E2's 300, within 6.7 % < 10 % (p % rule on the denominators)
    cell = published[0][("UC01", "QUA_READMISSION_30J")]
    assert cell.pilot_mean is cell.baseline_mean is cell.mean_change is cell.pooled_rate is None
    assert cell.linear_withheld_reason and "règle des p %" in cell.linear_withheld_reason
    assert cell.share_improved is None
    assert cell.pilot_median is cell.baseline_median is cell.median_relative_change is None
    assert cell.threshold_met is None  # it compares the median with the threshold
    assert cell.position_withheld_reason and "moins de 10 expérimentations" in cell.position_withheld_reason


def test_roi_per_use_case(published) -> None:
    row = published[1]["UC01"]
    # E1: (20000 + 40000 + 10000 - 60000) / 60000 = 1/6 over T2 and T3
    # E2: (3 × 10000 + 0 - 40000) / 40000 = -0.25 (monthly amounts add up; no recettes)
    # E3: (25000 + 5000 - 20000) / 20000 = 0.5
    assert (row.n_experimentations, row.withheld) == (3, False)
    assert row.roi_pooled == round((70000 + 30000 + 30000 - 120000) / 120000, 2)  # 0.08
    assert row.roi_median is row.roi_p25 is row.roi_p75 is None  # 3 experimentations: no position
    assert row.share_positive is None  # rules v3: shares from 10 experimentations (2 of 3 here)


def test_primary_and_secondary_suppression(published) -> None:
    cells = published[0]
    assert cells[("UC02", "EFF_DELAI_PEC")].withheld_reason == "moins de 3 établissements"
    # ENSEMBLE minus UC01 minus UC03 would give UC02's counts back: UC03, the smallest published cell,
    # goes too (the audit then bounds UC02's count improved, 1, only to [0, 2])
    assert cells[("UC03", "EFF_DELAI_PEC")].withheld_reason == SECONDARY_REASON
    published_cell = cells[("UC01", "EFF_DELAI_PEC")]
    assert not published_cell.withheld
    # the hand-computed means of test_lower_is_better_..., at one decimal
    assert (published_cell.pilot_mean, published_cell.baseline_mean, published_cell.mean_change) == (
        68.5,
        83.3,
        -14.8,
    )
    assert published_cell.share_improved is published_cell.share_threshold_met is None  # 6 < 10 (v3)
    assert published_cell.pilot_median is None and published_cell.pilot_p10 is None
    total = cells[("ENSEMBLE", "EFF_DELAI_PEC")]
    assert (total.withheld, total.n_establishments, total.n_experimentations) == (False, 6, 6 + 2 + 3)
    assert cells[("UC02", "QUA_DMS")].withheld_reason == "moins de 11 patients"  # 2 + 3 + 4 = 9
    assert cells[("ENSEMBLE", "QUA_DMS")].withheld_reason == "moins de 11 patients"  # the same 9 patients
    for key in [("UC02", "EFF_DELAI_PEC"), ("UC03", "EFF_DELAI_PEC"), ("UC02", "QUA_DMS")]:
        cell = cells[key]
        assert cell.pilot_mean is None and cell.share_improved is None and cell.baseline_mean is None
        assert cell.n_establishments >= 2  # counts stay: they are not disclosive


def test_published_csv_row(published) -> None:
    text = (published[2] / "data" / "benchmark.csv").read_bytes().decode("utf-8")
    rows = {tuple(line.split(";")[2:5:2]): line for line in text.splitlines()}
    reason = (
        "moins de 10 expérimentations : médianes, quartiles et parts non publiés, car ils seraient la "
        "valeur d'un établissement ou diraient celle de chacun"
    )
    assert (  # rules v3: no share under 10 experimentations
        rows[("UC01", "EFF_DELAI_PEC")]
        == (
            "1;2025-T3;UC01;EFF;EFF_DELAI_PEC;minutes;lower_is_better;6;6;;;;;;;;;;;;;;60;;false;;"
            ";duration;Chirurgie en réalité augmentée;Efficacité opérationnelle;Temps moyen de prise en "
            f"charge;83.3;68.5;-14.8;;{reason};false;national"
        )
    )
    p_rule = "règle des p % : le deuxième établissement estimerait le premier à moins de 10 % près"
    assert (  # rules v3: E1 would estimate E2's 300 pilot patients within 6.7 %: no mean, no rate
        rows[("UC01", "QUA_READMISSION_30J")]
        == (
            "1;2025-T3;UC01;QUA;QUA_READMISSION_30J;%;lower_is_better;3;3;;;;;;;;;;;;;;10;;false;;"
            ";rate;Chirurgie en réalité augmentée;Qualité des soins;Taux de réadmission à 30 jours;;;"
            f";{p_rule};{reason};false;national"
        )
    )
    assert rows[("UC02", "EFF_DELAI_PEC")].startswith(
        "1;2025-T3;UC02;EFF;EFF_DELAI_PEC;minutes;lower_is_better;2;2;;;;;;;;;;;;;;60;;true;moins de 3 établissements;;"
    )


BIG = [f"7600000{i:02d}" for i in range(12)]
# UC04 x EFF_DELAI_PEC: 12 experimentations, pilot 10, 20, ..., 120 minutes (20 patients each),
# baseline 100 minutes each
BIG_ROWS: list[Row] = [
    row
    for number, finess in enumerate(BIG, start=1)
    for row in (
        (finess, "UC04", "EFF_DELAI_PEC", "2024-T4", "reference", 100, None, None, 20),
        (finess, "UC04", "EFF_DELAI_PEC", "2025-T3", "pilote", 10 * number, None, None, 20),
    )
]


def test_a_cell_of_ten_or_more_publishes_its_median(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    build_golden_warehouse(path)
    with open_warehouse(path) as con:
        for day, finess in enumerate(BIG, start=1):
            submit(con, f"{finess}.csv", datetime(2025, 10, day, 12), [r for r in BIG_ROWS if r[0] == finess])
        edition = freeze_edition(con, QUARTER, RULES).edition
        cell = next(
            c for c in read_benchmark(con, edition) if (c.use_case, c.kpi) == ("UC04", "EFF_DELAI_PEC")
        )
    assert (cell.n_experimentations, cell.withheld) == (12, False)
    assert cell.pilot_median == 65.0  # (60 + 70) / 2
    assert cell.pilot_p25 == 37.5  # rank 0.25 × 11 = 2.75: 30 + 0.75 × 10
    assert cell.pilot_p75 == 92.5  # rank 8.25: 90 + 0.25 × 10
    assert cell.baseline_median == 100.0
    assert cell.pilot_p10 is None and cell.pilot_p90 is None  # fewer than 20
    assert cell.position_withheld_reason == "moins de 20 expérimentations : P10 et P90 non publiés"
    assert cell.pilot_mean == 65.0 and cell.baseline_mean == 100.0 and cell.mean_change == -35.0
    assert cell.median_relative_change == -0.35  # (65 - 100) / 100
    # n = 12: P(B <= 2) = 79/4096 <= 0.025 < P(B <= 3) -> [x(3), x(10)] = [-0.7, 0]
    assert (cell.median_relative_change_low, cell.median_relative_change_high) == (-0.7, 0.0)
    assert cell.threshold_met is False  # 65 > 60 minutes
