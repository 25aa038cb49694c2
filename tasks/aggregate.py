"""Aggregate a quarter: the benchmark cells of the marts, with disclosure control applied."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import task
from prefect.cache_policies import NO_CACHE

from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.queries import quarter_benchmark, quarter_overview


@dataclass(frozen=True)
class QuarterSummary:
    quarter: str
    establishments: int
    experimentations: int
    cells: int
    withheld: int


@task(name="aggregate", cache_policy=NO_CACHE)
def aggregate_quarter(settings: Settings, quarter: str) -> QuarterSummary:
    with open_warehouse(settings.warehouse_path, read_only=True) as con:
        cells = quarter_benchmark(
            con, quarter, min_establishments=settings.min_establishments, min_patients=settings.min_patients
        )
        overview = quarter_overview(con, quarter)
    return QuarterSummary(
        quarter=quarter,
        establishments=overview.n_establishments,
        experimentations=overview.n_experimentations,
        cells=len(cells),
        withheld=sum(1 for cell in cells if cell.withheld),
    )
