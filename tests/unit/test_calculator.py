"""The ROI calculator's formulas (reports/site/calculator.py), on figures worked out by hand; the browser test
checks that the page's script gives the same numbers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from disclosure.benchmark import BenchmarkCell
from reports.site.calculator import Inputs, break_even_month, gain_basis, project, tornado
from tests.support.cells import benchmark_cell

BASE = Inputs(patients=1000, uptake=0.5, acquisition=50_000, running=10_000, years=2, per_patient=100)


def test_two_years_without_discount() -> None:
    first, second = project(BASE)
    # year 1: gains 1000 × 0.5 × 100 = 50 000; costs 50 000 + 10 000
    assert (first.gains, first.costs, first.net) == (50_000, 60_000, -10_000)
    assert first.roi == pytest.approx(-10_000 / 60_000)
    assert (second.gains, second.costs, second.net) == (50_000, 10_000, 40_000)
    assert second.cumulated_net == 30_000
    assert second.cumulated_roi == pytest.approx(30_000 / 70_000)


def test_discounting_starts_in_year_two() -> None:
    first, second = project(replace(BASE, discount=0.04))
    assert first.gains == 50_000
    assert second.gains == pytest.approx(50_000 / 1.04)
    assert second.costs == pytest.approx(10_000 / 1.04)


def test_break_even_month() -> None:
    # monthly: gains 50 000 / 12, running 10 000 / 12; 50 000 paid at month 0 -> 50 000 / (40 000 / 12) = 15
    assert break_even_month(BASE) == 15
    assert break_even_month(replace(BASE, years=1)) is None
    assert break_even_month(replace(BASE, per_patient=0)) is None


def test_tornado_moves_one_input_at_a_time_widest_first() -> None:
    bars = tornado(BASE, low=80, high=120)
    labels = [label for label, _, _ in bars]
    assert set(labels) == {
        "Gain par patient",
        "Patients par an",
        "Taux d'adoption",
        "Coût d'acquisition",
        "Coût annuel de fonctionnement",
    }
    widths = [abs(high - low) for _, low, high in bars]
    assert widths == sorted(widths, reverse=True)
    gain = next(bar for bar in bars if bar[0] == "Gain par patient")
    # 2 years × 500 patients × (80 or 120) − 70 000
    assert gain[1:] == (pytest.approx(10_000), pytest.approx(50_000))


def cell(kpi: str, median: float | None, withheld: bool = False, n: int = 4) -> BenchmarkCell:
    return benchmark_cell(
        domain="ECO",
        domain_label="impact économique",
        kpi=kpi,
        kpi_label=kpi,
        unit="€",
        kind="amount_eur",
        direction="higher_is_better",
        n_establishments=n,
        n_experimentations=n,
        pilot_median=median,
        withheld=withheld,
    )


def test_gain_per_patient_rests_on_published_cells_only() -> None:
    cells = [
        cell("ECO_DEPENSES_EVITEES", 40_000),
        cell("ECO_RECETTES_NOUVELLES", 10_000),
        cell("ECO_PATIENTS_CONCERNES", 250, n=3),
    ]
    basis = gain_basis(cells, band=0.3)
    assert basis is not None
    assert basis.per_patient == 200  # (40 000 + 10 000) / 250
    assert (basis.low, basis.high, basis.spread_published) == (140, 260, False)
    assert basis.n_experimentations == 3
    withheld_revenue = [*cells[:1], cell("ECO_RECETTES_NOUVELLES", None, withheld=True), cells[2]]
    assert gain_basis(withheld_revenue, band=0.3).per_patient == 160  # type: ignore[union-attr]
    assert gain_basis([cells[0], cell("ECO_PATIENTS_CONCERNES", None, withheld=True)], band=0.3) is None
