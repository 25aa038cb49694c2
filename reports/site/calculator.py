"""« Estimer le ROI dans mon établissement »: a budget-impact projection for a buyer, per use case.

The structure follows budget-impact models (ISPOR task force; the R package htaBIM): a population
(annual patients concerned), an uptake, unit gains and costs, a horizon of 1 to 5 years, an optional
discount rate, and one-way sensitivity on each input. The unit gain per patient comes from published
figures only: the use case's published pilot levels of avoided expenses and new revenue per quarter,
divided by its published pilot level of patients concerned per quarter (cell-level statistics of 3
establishments or more). `project` is the formula; the page runs the same formula in its inline script
and the browser test checks one against the other (docs/methodology.md, « Estimer le ROI »).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from disclosure.benchmark import BenchmarkCell
from reports.published import Level, pilot_level

AVOIDED, REVENUE, PATIENTS = "ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES", "ECO_PATIENTS_CONCERNES"
SENSITIVITY = 0.2  # one-way sensitivity: each input moved by ±20 %


@dataclass(frozen=True)
class GainBasis:
    """What a use case's estimate rests on: published pilot levels of one quarter."""

    quarter: str
    avoided: Level
    revenue: Level | None
    patients: Level
    n_experimentations: int
    low: float  # gain per patient, low end of the range
    high: float
    spread_published: bool  # the range comes from published quartiles (else the stated band)

    @property
    def per_patient(self) -> float:
        return (self.avoided.value + (self.revenue.value if self.revenue else 0.0)) / self.patients.value


@dataclass(frozen=True)
class Inputs:
    patients: float  # patients concerned per year
    uptake: float  # share of them who use the solution, 0–1
    acquisition: float  # one-off, at the start
    running: float  # per year
    years: int  # 1 to 5
    discount: float = 0.0  # yearly rate, 0–1
    per_patient: float = 0.0  # gain per patient (published basis)


@dataclass(frozen=True)
class Year:
    number: int
    costs: float
    gains: float
    net: float
    roi: float | None
    cumulated_costs: float
    cumulated_gains: float
    cumulated_net: float
    cumulated_roi: float | None


def _published(cells: Sequence[BenchmarkCell], kpi: str) -> BenchmarkCell | None:
    return next((cell for cell in cells if cell.kpi == kpi and not cell.withheld), None)


def gain_basis(cells: Sequence[BenchmarkCell], band: float) -> GainBasis | None:
    """The published basis of the estimate for one use case's cells of an edition; None when the
    avoided expenses or the patient volume are not published."""
    avoided_cell, patients_cell = _published(cells, AVOIDED), _published(cells, PATIENTS)
    revenue_cell = _published(cells, REVENUE)
    if avoided_cell is None or patients_cell is None:
        return None
    avoided, patients = pilot_level(avoided_cell), pilot_level(patients_cell)
    revenue = pilot_level(revenue_cell) if revenue_cell else None
    if avoided is None or patients is None or patients.value <= 0:
        return None
    revenue_value = revenue.value if revenue else 0.0
    per_patient = (avoided.value + revenue_value) / patients.value
    spread = avoided_cell.pilot_p25 is not None and avoided_cell.pilot_p75 is not None
    if spread:
        low = (float(avoided_cell.pilot_p25 or 0.0) + revenue_value) / patients.value
        high = (float(avoided_cell.pilot_p75 or 0.0) + revenue_value) / patients.value
    else:
        low, high = per_patient * (1 - band), per_patient * (1 + band)
    used = [c for c in (avoided_cell, patients_cell, revenue_cell) if c is not None]
    return GainBasis(
        quarter=avoided_cell.quarter,
        avoided=avoided,
        revenue=revenue,
        patients=patients,
        n_experimentations=min(cell.n_experimentations for cell in used),
        low=low,
        high=high,
        spread_published=spread,
    )


def _ratio(net: float, costs: float) -> float | None:
    return net / costs if costs else None


def project(inputs: Inputs) -> list[Year]:
    """Costs, gains, net result and ROI per year and cumulated; year y's flows are discounted by
    (1 + rate)^(y − 1), the acquisition falls in year 1."""
    years = []
    cumulated_costs = cumulated_gains = 0.0
    for number in range(1, inputs.years + 1):
        factor = (1 + inputs.discount) ** -(number - 1)
        costs = (inputs.running + (inputs.acquisition if number == 1 else 0.0)) * factor
        gains = inputs.patients * inputs.uptake * inputs.per_patient * factor
        cumulated_costs += costs
        cumulated_gains += gains
        years.append(
            Year(
                number=number,
                costs=costs,
                gains=gains,
                net=gains - costs,
                roi=_ratio(gains - costs, costs),
                cumulated_costs=cumulated_costs,
                cumulated_gains=cumulated_gains,
                cumulated_net=cumulated_gains - cumulated_costs,
                cumulated_roi=_ratio(cumulated_gains - cumulated_costs, cumulated_costs),
            )
        )
    return years


def break_even_month(inputs: Inputs) -> int | None:
    """The first month whose cumulated gains reach the cumulated costs (acquisition paid at month 0,
    running costs and gains spread evenly over each year's months); None if not within the horizon."""
    costs, gains = inputs.acquisition, 0.0
    for month in range(1, 12 * inputs.years + 1):
        factor = (1 + inputs.discount) ** -((month - 1) // 12)
        costs += inputs.running / 12 * factor
        gains += inputs.patients * inputs.uptake * inputs.per_patient / 12 * factor
        if gains >= costs - 1e-9:
            return month
    return None


def cumulated_net(inputs: Inputs) -> float:
    return project(inputs)[-1].cumulated_net


def tornado(inputs: Inputs, low: float, high: float) -> list[tuple[str, float, float]]:
    """One-way sensitivity of the cumulated net result: (input, result at its low, at its high),
    widest first. The gain per patient moves over its range; the other inputs by ±SENSITIVITY."""
    moves = [
        ("Gain par patient", {"per_patient": low}, {"per_patient": high}),
        (
            "Patients par an",
            {"patients": inputs.patients * (1 - SENSITIVITY)},
            {"patients": inputs.patients * (1 + SENSITIVITY)},
        ),
        (
            "Taux d'adoption",
            {"uptake": inputs.uptake * (1 - SENSITIVITY)},
            {"uptake": min(1.0, inputs.uptake * (1 + SENSITIVITY))},
        ),
        (
            "Coût d'acquisition",
            {"acquisition": inputs.acquisition * (1 + SENSITIVITY)},
            {"acquisition": inputs.acquisition * (1 - SENSITIVITY)},
        ),
        (
            "Coût annuel de fonctionnement",
            {"running": inputs.running * (1 + SENSITIVITY)},
            {"running": inputs.running * (1 - SENSITIVITY)},
        ),
    ]
    bars = []
    for label, down, up in moves:
        bars.append((label, cumulated_net(_with(inputs, down)), cumulated_net(_with(inputs, up))))
    return sorted(bars, key=lambda bar: -abs(bar[2] - bar[1]))


def _with(inputs: Inputs, changes: dict[str, float]) -> Inputs:
    values = {**inputs.__dict__, **changes}
    return Inputs(**values)


@dataclass(frozen=True)
class Field:
    """An input of the calculator form, with its French label, help and example value."""

    name: str
    label: str
    hint: str
    value: str | int
    required: bool = True


FIELDS = (
    Field(
        "patients",
        "Patients concernés par an",
        "nombre de patients de l'établissement concernés chaque année par le cas d'usage",
        "1 000",
    ),
    Field(
        "adoption",
        "Taux d'adoption attendu (%)",
        "part de ces patients pris en charge avec la solution",
        "50",
    ),
    Field(
        "acquisition",
        "Coût d'acquisition et de déploiement (€)",
        "payé une fois, la première année",
        "50 000",
    ),
    Field(
        "fonctionnement",
        "Coût annuel de fonctionnement (€ par an)",
        "licences, maintenance, temps des équipes",
        "15 000",
    ),
    Field("horizon", "Horizon", "de 1 à 5 ans", 3),
    Field(
        "actualisation",
        "Taux d'actualisation (% par an, facultatif)",
        "laisser vide pour ne pas actualiser",
        "",
        required=False,
    ),
)
