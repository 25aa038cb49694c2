"""The attacks of issue 13 on published files: each recovered individual values under the rules of
v1 (checked on the code before rules v2); under rules v2 each must fail.

Generated data in tmp_path; the attacker reads data/benchmark.csv and data/roi.csv only (and, for
the participant, its own value); the private rows tell whether a recovery is real.
"""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest
import series_attacks
import series_data
from attacks import (
    changed_figures,
    difference_rates,
    ensemble_against_known,
    invert_quantiles,
    participant_recovers,
    read_rows,
    split_counts,
)
from golden_data import QUARTER, Row, submit

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.site.writer import render_quarter_site
from schemas.catalogue import default_catalogue
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

RULES = Rules()
POOL = [f"6900000{i:02d}" for i in range(40)]
# (use case, KPI, first establishment, establishments): cells of 3 to 12 experimentations, lone
# establishments the secondary suppression has to protect, a cell one establishment dominates
LAYOUT = [
    *((uc, "EFF_DELAI_PEC", 0, n) for uc, n in (("UC01", 3), ("UC02", 4), ("UC03", 5), ("UC04", 1),
                                                 ("UC05", 6), ("UC06", 12), ("UC07", 9))),
    *((uc, "QUA_DMS", 0, n) for uc, n in (("UC01", 3), ("UC02", 4), ("UC03", 5), ("UC05", 3), ("UC06", 4),
                                           ("UC07", 5), ("UC08", 3))),
    ("UC04", "QUA_DMS", 30, 1),
    ("UC09", "QUA_DMS", 31, 1),
    ("UC10", "QUA_DMS", 32, 1),
    *((uc, "QUA_READMISSION_30J", 0, n) for uc, n in (("UC01", 3), ("UC02", 3), ("UC03", 4), ("UC04", 1),
                                                       ("UC05", 6))),
    ("UC08", "ATT_FIDELISATION", 0, 3),
    ("UC09", "ATT_FIDELISATION", 0, 3),
]  # fmt: skip
DOMINANT = POOL[0]  # 900 of the 980 patients of UC08 x ATT_FIDELISATION


def generated_rows(seed: int = 13) -> list[Row]:
    """Distinct values at one decimal; rates with counts; the durations without effectif (plain means)."""
    rng = random.Random(seed)
    rows: list[Row] = []
    for use_case, kpi, first, n in LAYOUT:
        for finess in POOL[first : first + n]:
            for phase, period in (("reference", "2024-T4"), ("pilote", QUARTER)):
                if kpi in ("QUA_READMISSION_30J", "ATT_FIDELISATION"):
                    den = 900 if (use_case, finess) == ("UC08", DOMINANT) else rng.randint(30, 90)
                    num = (
                        rng.randint(1, den // 3)
                        if kpi == "QUA_READMISSION_30J"
                        else rng.randint(den // 2, den)
                    )
                    rows.append(Row(finess, use_case, kpi, period, phase, None, num, den, None))
                else:
                    low, high = (20.0, 90.0) if kpi == "EFF_DELAI_PEC" else (2.0, 15.0)
                    rows.append(
                        Row(
                            finess,
                            use_case,
                            kpi,
                            period,
                            phase,
                            round(rng.uniform(low, high), 1),
                            None,
                            None,
                            None,
                        )
                    )
    return rows


def pilot_values(rows: list[Row], use_case: str, kpi: str) -> list[float]:
    return sorted(
        float(row.value if row.value is not None else 100 * row.numerator / row.denominator)  # type: ignore[operator]
        for row in rows
        if (row.use_case, row.kpi, row.phase) == (use_case, kpi, "pilote")
    )


def build(path: Path, rows: list[Row]) -> None:
    with open_warehouse(path) as con:
        sync_catalogue(con, default_catalogue())
        for day, finess in enumerate(sorted({row.finess for row in rows}), start=1):
            mine = [row for row in rows if row.finess == finess]
            submit(con, f"{finess}.csv", datetime(2025, 10, 1, 8, day), mine)


def publish(path: Path, site: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with open_warehouse(path) as con:
        number = freeze_edition(con, QUARTER, RULES).edition.number
    render_quarter_site(path, QUARTER, site, Settings(data_root=site.parent), number)
    data = site / QUARTER / "editions" / str(number) / "data"
    if not data.exists():
        data = site / QUARTER / "data"
    return read_rows(data / "benchmark.csv"), read_rows(data / "roi.csv")


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Row], list[dict[str, str]], Path]:
    root = tmp_path_factory.mktemp("attacks")
    rows = generated_rows()
    build(root / "w.duckdb", rows)
    benchmark, _ = publish(root / "w.duckdb", root / "site")
    return rows, benchmark, root


def test_quantile_inversion_on_cells_of_3_to_9_fails(release) -> None:
    _, benchmark, _ = release
    assert invert_quantiles(benchmark) == {}
    assert any(row["pilot_mean"] for row in benchmark)  # the cells still publish a mean


def test_wilson_inversion_and_differencing_against_ensemble_fail(release) -> None:
    rows, benchmark, _ = release
    for hidden, (numerator, denominator) in difference_rates(benchmark).items():
        kpi, *use_cases = hidden
        # what ENSEMBLE minus the published cells gives is a union of at least 3 establishments
        who = {
            row.finess
            for row in rows
            if row.kpi == kpi and row.use_case in use_cases and row.phase == "pilote"
        }
        assert len(who) >= RULES.min_establishments, (hidden, numerator, denominator)
    recovered = invert_quantiles(benchmark)
    for row in benchmark:
        if row["kind"] == "rate" and row["withheld"] == "false":  # the members' rates are not published
            assert split_counts(row, recovered.get((row["use_case"], row["kpi"]), [])) == []


def test_ensemble_quantiles_against_recovered_values_fail(release) -> None:
    _, benchmark, _ = release
    known = invert_quantiles(benchmark, range(3, 200))
    assert ensemble_against_known(benchmark, known) == {}


@pytest.mark.parametrize(("use_case", "size"), [("UC05", 6), ("UC06", 12)])
def test_a_participant_knowing_its_own_value_recovers_nothing(release, use_case: str, size: int) -> None:
    rows, benchmark, _ = release
    row = next(r for r in benchmark if (r["use_case"], r["kpi"]) == (use_case, "EFF_DELAI_PEC"))
    assert int(row["n_experimentations"]) == size and row["withheld"] == "false"
    for own in pilot_values(rows, use_case, "EFF_DELAI_PEC"):
        assert participant_recovers(row, own) == []


def test_a_dominated_cell_publishes_no_mean(release) -> None:
    _, benchmark, _ = release
    row = next(r for r in benchmark if (r["use_case"], r["kpi"]) == ("UC08", "ATT_FIDELISATION"))
    assert row["withheld"] == "false" and "85 %" in row["linear_withheld_reason"]
    assert row["pooled_rate"] == row["pilot_mean"] == row["baseline_mean"] == row["mean_change"] == ""
    assert row["share_improved"] == ""  # rules v3: no share under 10 experimentations
    assert "parts non publiés" in row["position_withheld_reason"]
    other = next(r for r in benchmark if (r["use_case"], r["kpi"]) == ("UC09", "ATT_FIDELISATION"))
    assert other["pooled_rate"] != "" and other["linear_withheld_reason"] == ""


def test_a_late_single_establishment_correction_moves_nothing(tmp_path: Path) -> None:
    rows = generated_rows()
    path, site = tmp_path / "w.duckdb", tmp_path / "site"
    build(path, rows)
    first, first_roi = publish(path, site)
    lone = next(r for r in rows if (r.use_case, r.kpi, r.phase) == ("UC04", "QUA_READMISSION_30J", "pilote"))
    with open_warehouse(path) as con:  # the lone establishment of a withheld cell corrects its count
        submit(con, "correction.csv", datetime(2025, 11, 20, 14), [lone.corrected(12, 286)])
    second, second_roi = publish(path, site)
    assert second[0]["edition"] == "2"
    assert changed_figures(first, second) == [] and changed_figures(first_roi, second_roi) == []
    pending = {(r["use_case"], r["kpi"]) for r in second if r["correction_pending"] == "true"}
    assert pending == {("UC04", "QUA_READMISSION_30J"), ("ENSEMBLE", "QUA_READMISSION_30J")}


def test_corrections_from_enough_establishments_are_published(tmp_path: Path) -> None:
    rows = generated_rows()
    path, site = tmp_path / "w.duckdb", tmp_path / "site"
    build(path, rows)
    first, _ = publish(path, site)
    movers = [r for r in rows if (r.use_case, r.kpi, r.phase) == ("UC05", "QUA_READMISSION_30J", "pilote")][
        :3
    ]
    with open_warehouse(path) as con:
        for number, row in enumerate(movers):
            submit(con, f"fix{number}.csv", datetime(2025, 11, 20, 14, number), [row.corrected(5, 10)])
    second, _ = publish(path, site)
    moved = {(uc, kpi) for uc, kpi, _column in changed_figures(first, second)}
    assert ("UC05", "QUA_READMISSION_30J") in moved
    assert not any(r["correction_pending"] == "true" for r in second)


# --- the series of releases (issue 21): T2 → T3 → a late correction (T3 edition 2) → T4 ---------


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> series_data.Chain:
    return series_data.build_chain(tmp_path_factory.mktemp("series"), RULES)


@pytest.fixture(scope="module")
def series(chain: series_data.Chain) -> dict[tuple[str, int], list[dict[str, str]]]:
    return series_attacks.read_series(chain.releases)


def test_the_chain_holds_every_release_with_its_thresholds(chain: series_data.Chain) -> None:
    assert sorted(chain.releases) == [("2025-T2", 1), ("2025-T3", 1), ("2025-T3", 2), ("2025-T4", 1)]
    with open_warehouse(chain.settings.warehouse_path, read_only=True) as con:
        recorded = con.execute(
            "SELECT DISTINCT p_percent, min_share, min_series_change FROM edition"
        ).fetchall()
    assert recorded == [(RULES.p_percent, RULES.min_share, RULES.min_series_change)]


def test_newcomers_and_leavers_are_not_recovered_from_fixed_baselines(series) -> None:
    recovered = set(series_attacks.newcomers_and_leavers(series).values())
    assert series_data.NEWCOMER[1] not in recovered and -series_data.LEAVER[1] not in recovered


def test_a_withheld_newcomer_is_not_recovered_through_ensemble(series) -> None:
    truth = series_data.WITHHELD_NEWCOMER[1]
    recovered = series_attacks.hidden_through_ensemble(series).values()
    assert not [value for value in recovered if abs(value - truth) <= 0.01 * truth]


def test_a_held_correction_stays_held_in_later_quarters(series) -> None:
    recovered = set(series_attacks.held_corrections_undone(series).values())
    assert series_data.HELD[1] not in recovered


def test_one_population_per_row(series) -> None:
    truth = {
        q: float(series_data.pilot_value("UC05", 8, i, None)) for i, q in enumerate(series_data.QUARTERS)
    }
    recovered = series_attacks.two_populations(series)
    hits = [q for (uc, _kpi, (q, _)), value in recovered.items() if uc == "UC05" and value == truth[q]]
    assert hits == []


def test_a_dominated_count_publishes_no_mean(series) -> None:
    truth = [9000 + 11 + (30 * 13 + i * 5) % 11 for i in range(3)]  # F30's pilot values
    estimates = series_attacks.largest_from_total(series, ("UC06", "ECO_PATIENTS_CONCERNES"))
    assert not any(abs(e - t) / t < 0.10 for e in estimates for t in truth)


def test_the_second_largest_cannot_estimate_the_largest_within_p_percent(series) -> None:
    for index, quarter in enumerate(series_data.QUARTERS):
        own, largest = 30000 + 100 * index, 50000 + 100 * index
        rows = {release: rows for release, rows in series.items() if release[0] == quarter}
        estimates = series_attacks.largest_from_total(rows, ("UC07", "ECO_DEPENSES_EVITEES"), own)
        assert not any(abs(e - largest) / largest < RULES.p_percent for e in estimates), estimates


def test_no_share_of_0_or_1_in_cells_under_10(series) -> None:
    assert series_attacks.group_disclosures(series.values()) == []


def test_the_public_manifest_gives_no_input_hash(chain: series_data.Chain) -> None:
    found = series_attacks.hash_one_row_corrections(
        chain.releases, list(series_data.F.values()), series_data.HEADER, range(0, 2000)
    )
    assert found == []
    provenance = chain.root / "audit"
    assert any(provenance.rglob("*inputs*.json"))  # kept for the operator, beside site/, never in it
    assert not any("received_at" in p.read_text() for p in chain.site.rglob("manifest.json"))


@pytest.fixture(scope="module")
def roi_chain(tmp_path_factory: pytest.TempPathFactory) -> series_data.Chain:
    return series_data.build_roi_chain(tmp_path_factory.mktemp("roi-chain"), RULES)


def test_the_roi_and_euro_tables_together_do_not_bound_a_withheld_revenue(
    roi_chain: series_data.Chain,
) -> None:
    """Issue 21: with every published euro mean, ENSEMBLE and pooled ROI of every release in one linear
    programme, UC09's withheld new revenue (F50 holds 94 % of it) stays unbounded within the protection
    level. On the code before the joint audit, the programme gave it to within 0.1 % in T2 and T3."""
    kpis = default_catalogue().kpis
    maxima = {kpi: kpis[kpi].max for kpi in series_data.EURO}
    level = RULES.protection_level
    for quarter in series_data.ROI_QUARTERS:
        rows = series_attacks.national(read_rows(roi_chain.releases[(quarter, 1)] / "data" / "benchmark.csv"))
        (cell,) = [r for r in rows if (r["use_case"], r["kpi"]) == series_data.DOMINANT_REVENUE]
        assert cell["pilot_mean"] == ""  # the revenue cell itself is withheld (dominance)
        true = series_data.true_cell_sum(*series_data.DOMINANT_REVENUE, quarter)
        low, high = series_attacks.roi_euro_bounds(
            roi_chain.releases,
            (series_data.DOMINANT_REVENUE[1], series_data.DOMINANT_REVENUE[0], quarter),
            maxima,
        )
        assert low <= true <= high
        assert low < (1 - level) * true and high > (1 + level) * true, (quarter, low, true, high)
