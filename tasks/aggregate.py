"""Aggregate a quarter: freeze its edition (benchmark and ROI after disclosure control) in the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.retry import retry_if_transient
from tlkpi.settings import Settings
from warehouse.benchmark import BenchmarkCell, RoiCell
from warehouse.db import open_warehouse
from warehouse.disclosure import SECONDARY_REASON, Rules
from warehouse.editions import freeze_edition, read_benchmark, read_roi


@dataclass(frozen=True)
class QuarterSummary:
    """What publishing a quarter did: the edition, whether it is new, and its headline counts."""

    quarter: str
    edition: int
    created: bool
    previous_edition: int | None
    as_of: datetime | None
    submissions: int
    establishments: int
    experimentations: int
    cells: int
    withheld: int
    withheld_secondary: int


def publication_rules(settings: Settings) -> Rules:
    return Rules(min_establishments=settings.min_establishments, min_patients=settings.min_patients)


@task(
    name="aggregate",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=2,
    retry_condition_fn=retry_if_transient,
)
def aggregate_quarter(settings: Settings, quarter: str) -> QuarterSummary:
    """Freeze a new edition of `quarter` when something changed; otherwise report the latest one."""
    with open_warehouse(settings.warehouse) as con:
        freeze = freeze_edition(con, quarter, publication_rules(settings))
        cells: list[BenchmarkCell | RoiCell] = [
            *read_benchmark(con, freeze.edition),
            *read_roi(con, freeze.edition),
        ]
    edition = freeze.edition
    return QuarterSummary(
        quarter=quarter,
        edition=edition.number,
        created=freeze.created,
        previous_edition=freeze.previous.number if freeze.previous else None,
        as_of=edition.as_of,
        submissions=edition.n_submissions,
        establishments=edition.n_establishments,
        experimentations=edition.n_experimentations,
        cells=len(cells),
        withheld=sum(1 for cell in cells if cell.withheld),
        withheld_secondary=sum(1 for cell in cells if cell.withheld_reason == SECONDARY_REASON),
    )
