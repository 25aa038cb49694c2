"""The private report of each establishment: per use case, its own values against the peer quartiles.

Written to <data root>/private/<quarter>/<FINESS>/ (index.html, <UC>.html, static/), never under
site/. A page shows one establishment's own values and the published statistics of its peers (the
quartiles of the frozen edition, only when that cell is not withheld): never another establishment's
name or value.

What every report shares (labels, the peers' figures, formatted once) is a ReportContext; the
establishments are rendered in batches, in worker processes when there are many (reports/workers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment
from markupsafe import Markup

from disclosure.benchmark import TOTAL, BenchmarkCell, RoiCell
from disclosure.editions import Edition
from reports.formatting import format_value
from reports.private.data import (
    Establishment,
    Experimentation,
    KpiLabel,
    OwnValue,
    PrivateSource,
    read_private_source,
)
from reports.private.peers import GroupComparison, compare_with_group, group_cells
from reports.private.scorecard import DomainScore, direction_of, peer_levels, score_domain
from reports.published import roi_level
from reports.sections import kpi_order, kpi_sort_key, ordered_domains
from reports.templating import build_environment, copy_static, format_change, write_text
from reports.workers import map_in_workers, worker_count
from schemas.catalogue import default_catalogue
from schemas.periods import parse_quarter
from tlkpi.settings import Settings
from warehouse.db import Warehouse

PRIVATE_DIR = "private"
QUARTERS = ("premier quart", "deuxième quart", "troisième quart", "dernier quart")
POSITIONS = tuple(
    f"{quarter} des expérimentations" + (" (le plus performant)" if rank == 0 else "")
    for rank, quarter in enumerate(QUARTERS)
)
ESTABLISHMENTS_PER_WORKER = 50  # below this, a second process costs more than it saves
BATCHES_PER_WORKER = 8


@dataclass(frozen=True)
class Peers:
    """The peers' statistics of one (use case, KPI) cell, formatted once for every report: mean, P25,
    median and P75 when `published` (each None when its own rule withholds it: dominance, fewer than
    10 experimentations), else the reason they are withheld (if the edition has the cell)."""

    published: bool
    mean: str | None = None
    p25: str | None = None
    median: str | None = None
    p75: str | None = None
    bounds: tuple[float, float, float] | None = None
    lower_is_better: bool = False
    withheld_reason: str | None = None
    cells: Markup = field(default_factory=Markup)  # the peers' cells of a row, from _private_cells.html


class PrivateRow(NamedTuple):
    """A line of a private table: an establishment's own figures, formatted, and its peers'."""

    heading: Markup  # the KPI's header cell, from _private_cells.html
    baseline: str | None
    pilot: str | None
    change: str | None
    peers: Peers
    position: str | None


@dataclass(frozen=True)
class PrivatePage:
    finess: str
    name: str | None
    use_case: str
    use_case_label: str
    sections: tuple[tuple[str, str, tuple[PrivateRow, ...]], ...]
    roi: dict[str, Any] | None
    peer_roi: RoiCell | None
    scores: tuple[DomainScore, ...] = ()
    peer_roi_level: float | None = None
    programme_roi: float | None = None
    group: str | None = None  # the establishment's peer group (register category)
    comparisons: tuple[GroupComparison, ...] = ()

    @property
    def href(self) -> str:
        return f"{self.use_case}.html"

    def score_of(self, domain: str) -> DomainScore | None:
        return next((score for score in self.scores if score.code == domain), None)


@dataclass(frozen=True)
class ReportContext:
    """What every establishment's report of an edition shares, sent once per batch to the workers."""

    root: Path
    edition: Edition
    headings: dict[str, Markup]
    units: dict[str, str]
    peers: dict[tuple[str, str], Peers]
    use_cases: dict[str, str]
    domains: dict[str, str]
    domain_rank: dict[str, int]
    kpi_rank: dict[str, int]
    peer_roi: dict[str, RoiCell]
    thresholds: dict[str, tuple[float | None, bool]] = field(default_factory=dict)
    peer_levels: dict[tuple[str, str], float] = field(default_factory=dict)
    roi_levels: dict[str, float] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    group_cells: dict[tuple[str, str, str], BenchmarkCell] = field(default_factory=dict)
    national_cells: dict[tuple[str, str], BenchmarkCell] = field(default_factory=dict)


def private_root(settings: Settings) -> Path:
    """<data root>/private: next to site/, never inside it."""
    return settings.root / PRIVATE_DIR


def peer_position(value: float | None, peers: BenchmarkCell | None) -> str | None:
    """Which quarter of the peer distribution a value falls in, best quarter first (direction-aware)."""
    if peers is None:
        return None
    return position_in(value, quartile_bounds(peers), peers.lower_is_better)


def quartile_bounds(cell: BenchmarkCell) -> tuple[float, float, float] | None:
    """The published P25, median and P75 of a cell, when all three are."""
    if cell.pilot_p25 is None or cell.pilot_median is None or cell.pilot_p75 is None:
        return None
    return cell.pilot_p25, cell.pilot_median, cell.pilot_p75


def position_in(
    value: float | None, bounds: tuple[float, float, float] | None, lower_is_better: bool
) -> str | None:
    if value is None or bounds is None:
        return None
    if lower_is_better:
        rank = (value > bounds[0]) + (value > bounds[1]) + (value > bounds[2])
    else:
        rank = 3 - (value >= bounds[0]) - (value >= bounds[1]) - (value >= bounds[2])
    return POSITIONS[rank]


def optional_value(value: float | None, unit: str) -> str | None:
    return None if value is None else format_value(value, unit)


def peers_of(cell: BenchmarkCell | None, unit: str) -> Peers:
    """The peers' figures a private page shows for a cell: its quartiles when published."""
    if cell is None or cell.withheld:
        return Peers(published=False, withheld_reason=cell.withheld_reason if cell is not None else None)
    return Peers(
        published=True,
        mean=optional_value(cell.pilot_mean, unit),
        p25=optional_value(cell.pilot_p25, unit),
        median=optional_value(cell.pilot_median, unit),
        p75=optional_value(cell.pilot_p75, unit),
        bounds=quartile_bounds(cell),
        lower_is_better=cell.lower_is_better,
    )


def shared_cells() -> Any:
    """The macros of _private_cells.html: the cells every establishment's rows share."""
    return environment().get_template("_private_cells.html").module


def kpi_heading(kpi: KpiLabel) -> Markup:
    """The header cell of a KPI's row, rendered once for every report."""
    direction = "plus bas est mieux" if kpi.direction == "lower_is_better" else "plus haut est mieux"
    return Markup(shared_cells().kpi_heading(kpi.label, kpi.unit, direction))


def rendered_peers(cell: BenchmarkCell | None, unit: str) -> Peers:
    """The peers' figures of a cell with their cells rendered, once for every report."""
    figures = peers_of(cell, unit)
    return replace(figures, cells=Markup(shared_cells().peer_cells(figures)))


def build_context(source: PrivateSource, root: Path) -> ReportContext:
    """Labels, orders and the peers' cells, formatted and rendered once for every report."""
    kpis, use_cases = source.labels.kpis, source.labels.use_cases
    cells = {(cell.use_case, cell.kpi): cell for cell in source.cells}
    domains = ordered_domains(source.labels.domains)
    return ReportContext(
        root=root,
        edition=source.edition,
        headings={code: kpi_heading(kpi) for code, kpi in kpis.items()},
        units={code: kpi.unit for code, kpi in kpis.items()},
        peers={
            (use_case, code): rendered_peers(cells.get((use_case, code)), kpi.unit)
            for use_case in use_cases
            for code, kpi in kpis.items()
        },
        use_cases=use_cases,
        domains=domains,
        domain_rank={code: rank for rank, code in enumerate(domains)},
        kpi_rank=kpi_order(),
        peer_roi={row.use_case: row for row in source.roi if not row.withheld},
        thresholds={
            code: (kpi.threshold, kpi.lower_is_better) for code, kpi in default_catalogue().kpis.items()
        },
        peer_levels=peer_levels(source.cells),
        roi_levels={row.use_case: level.value for row in source.roi if (level := roi_level(row)) is not None},
        categories=source.categories,
        group_cells=group_cells(source.peer_cells),
        national_cells=cells,
    )


def private_row(context: ReportContext, use_case: str, own: OwnValue) -> PrivateRow:
    unit = context.units[own.kpi]
    change = None
    if own.relative_change is not None:
        word = direction_of(own)
        change = format_change(own.relative_change) + (f" ({word})" if word else "")
    peers = context.peers[(use_case, own.kpi)]
    return PrivateRow(
        heading=context.headings[own.kpi],
        baseline=optional_value(own.baseline, unit),
        pilot=optional_value(own.pilot, unit),
        change=change,
        peers=peers,
        position=position_in(own.pilot, peers.bounds, peers.lower_is_better),
    )


def build_page(context: ReportContext, establishment: Establishment, mine: Experimentation) -> PrivatePage:
    """One use case of an establishment: its KPIs by domain, both in catalogue order."""
    domain_rank, kpi_rank = context.domain_rank, context.kpi_rank
    ordered = sorted(mine.values, key=lambda own: (domain_rank[own.domain], kpi_sort_key(kpi_rank, own.kpi)))
    groups = [(domain, tuple(values)) for domain, values in groupby(ordered, key=attrgetter("domain"))]
    sections = tuple(
        (domain, context.domains[domain], tuple(private_row(context, mine.use_case, own) for own in values))
        for domain, values in groups
    )
    scores = tuple(
        score_domain(
            domain, context.domains[domain], values, mine.use_case, context.thresholds, context.peer_levels
        )
        for domain, values in groups
    )
    return PrivatePage(
        finess=establishment.finess,
        name=establishment.name,
        use_case=mine.use_case,
        use_case_label=context.use_cases[mine.use_case],
        sections=sections,
        roi=mine.roi,
        peer_roi=context.peer_roi.get(mine.use_case),
        scores=scores,
        peer_roi_level=context.roi_levels.get(mine.use_case),
        programme_roi=context.roi_levels.get(TOTAL),
        group=(group := context.categories.get(establishment.finess)),
        comparisons=compare_with_group(
            mine.use_case,
            [(own.kpi, own.pilot) for own in ordered],
            context.units,
            context.headings,
            group,
            context.group_cells,
            context.national_cells,
        ),
    )


@cache
def environment() -> Environment:
    """One Jinja2 environment per process: its templates are compiled once."""
    return build_environment()


def remove_stale(folder: Path, wanted: set[str]) -> None:
    for path in folder.glob("*.html"):
        if path.name not in wanted:
            path.unlink()


def write_establishment(context: ReportContext, establishment: Establishment) -> Path:
    """Write <root>/<quarter>/<FINESS>/: one page per use case, the index, the stylesheet."""
    env = environment()
    quarter = context.edition.quarter
    folder = context.root / quarter / establishment.finess
    pages = [build_page(context, establishment, mine) for mine in establishment.experimentations]
    common = {
        "quarter": quarter,
        "edition": context.edition,
        "root": "",
        "finess": establishment.finess,
        "name": establishment.name,
    }
    copy_static(folder / "static")
    page_template = env.get_template("private.html")
    for page in pages:
        write_text(folder / page.href, page_template.render(common, page=page))
    index = folder / "index.html"
    domains = list(context.domains.items())
    write_text(index, env.get_template("private_index.html").render(common, pages=pages, domains=domains))
    remove_stale(folder, {"index.html", *(page.href for page in pages)})
    return index


def write_batch(batch: tuple[ReportContext, Sequence[Establishment]]) -> list[Path]:
    """Write the reports of a batch of establishments (in a worker process); return their indexes."""
    context, establishments = batch
    return [write_establishment(context, establishment) for establishment in establishments]


def render_private_reports(
    warehouse_path: Warehouse, quarter: str, root: Path, workers: int = 0
) -> list[Path]:
    """Write root/<quarter>/<FINESS>/ for every establishment of the latest edition; return its indexes.

    `workers` processes share the establishments (0: one per CPU when there are enough of them).
    """
    source = read_private_source(warehouse_path, parse_quarter(quarter).quarter_label)
    context = build_context(source, root)
    establishments = source.establishments
    count = worker_count(workers, len(establishments), ESTABLISHMENTS_PER_WORKER)
    size = max(1, -(-len(establishments) // (count * BATCHES_PER_WORKER)))
    batches = [
        (context, establishments[start : start + size]) for start in range(0, len(establishments), size)
    ]
    return [index for indexes in map_in_workers(write_batch, batches, count) for index in indexes]
