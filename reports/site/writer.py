"""Write the static French HTML site of a quarter's edition: an index, one page per use case with data
(and one for the ENSEMBLE rows), methodologie.html, donnees.html, the open-data files under data/ with
their Table Schemas, and manifest.json.

Reads a frozen edition from the warehouse, read-only; the same edition gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment

from disclosure.benchmark import TOTAL, BenchmarkCell, RoiCell
from disclosure.editions import (
    Edition,
    find_edition,
    frozen_completeness,
    read_benchmark,
    read_roi,
)
from disclosure.peers import PeerCell, read_peers
from disclosure.trend import PublishedQuarter, read_trend
from reports.charts.peers import plain_reason
from reports.published import TEMPLATE_GLOBALS, median_withheld
from reports.site.calculator import FIELDS, gain_basis
from reports.site.index_page import build_index
from reports.site.manifest import MANIFEST, is_current, read_inputs, write_manifest, write_provenance
from reports.site.open_data import DATA_DIR, write_open_data
from reports.site.open_data_schema import TABLES, table_schema, write_table_schemas
from reports.site.pages import USE_CASE_DIR, UseCasePage, build_pages, render_page_charts
from reports.site.peer_view import group_bases, group_name
from reports.site.staging import publication_lock, staged_folder
from reports.templating import build_environment, copy_static, write_text
from schemas.catalogue import default_catalogue
from schemas.periods import parse_quarter
from tlkpi.errors import WarehouseError
from tlkpi.settings import Settings
from warehouse.db import Warehouse, as_of, open_warehouse
from warehouse.queries import completeness_counts


@dataclass(frozen=True)
class EditionContent:
    """Everything a site render reads from the warehouse, read once."""

    edition: Edition
    latest: bool
    cells: list[BenchmarkCell]
    roi: list[RoiCell]
    inputs: list[dict[str, Any]]
    completeness: dict[str, int] | None
    trend: list[PublishedQuarter]
    peer_cells: list[PeerCell] = field(default_factory=list)  # the peer groups' rows (disclosure/peers.py)
    peer_roi: list[PeerCell] = field(default_factory=list)


def remove_stale_pages(use_case_dir: Path, pages: list[UseCasePage]) -> None:
    """Drop use-case pages left by an earlier render whose use case no longer has data."""
    wanted = {f"{page.code}.html" for page in pages} | {Path(page.calculator_href).name for page in pages}
    if use_case_dir.is_dir():
        for path in use_case_dir.glob("*.html"):
            if path.name not in wanted:
                path.unlink()


def open_data_files(quarter_dir: Path) -> list[dict[str, Any]]:
    """The downloads listed on donnees.html, with their size."""
    files = []
    for stem, (title, _, _) in TABLES.items():
        for suffix, form in ((".csv", "CSV"), (".parquet", "Parquet"), (".schema.json", "Table Schema")):
            name = f"{DATA_DIR}/{stem}{suffix}"
            files.append(
                {"href": name, "title": title, "format": form, "bytes": (quarter_dir / name).stat().st_size}
            )
    return files


def write_calculators(
    env: Environment,
    quarter_dir: Path,
    pages: list[UseCasePage],
    common: dict[str, Any],
    trend: list[PublishedQuarter],
    band: float,
    peer_cells: Sequence[PeerCell] = (),
) -> None:
    """« Estimer le ROI dans mon établissement »: one page per use case (not for ENSEMBLE), resting on
    the latest published quarter of the trend whose figures allow it (this edition's first)."""
    template = env.get_template("calculator.html")
    for page in pages:
        if page.code == TOTAL:
            continue
        bases = (
            gain_basis([cell for cell in published.cells if cell.use_case == page.code], band)
            for published in reversed(trend)
        )
        basis = next((found for found in bases if found is not None), None)
        groups = group_bases(page.code, peer_cells, band) if basis else {}
        html = template.render(
            common, root="../", page=page, basis=basis, fields=FIELDS, band=band, groups=groups
        )
        write_text(quarter_dir / page.calculator_href, html)


def render_pages(
    env: Environment, quarter_dir: Path, content: EditionContent, workers: int = 0, band: float = 0.3
) -> Path:
    """Write the index, the use-case pages, methodologie.html and donnees.html; return the index path.

    The charts are rendered in `workers` processes (0: one per CPU).
    """
    edition = content.edition
    env.globals.update(TEMPLATE_GLOBALS)
    env.tests["median_withheld"] = median_withheld
    env.filters["group_name"] = group_name
    env.filters["plain_reason"] = plain_reason
    pages = build_pages(content.cells, content.roi, content.trend, content.peer_cells)
    pages = render_page_charts(pages, workers)
    common = {
        "quarter": edition.quarter,
        "edition": edition,
        "data_dir": DATA_DIR,
        "illustrative": any(cell.use_case_illustrative for page in pages for cell in page.cells),
    }
    for page in pages:
        html = env.get_template("use_case.html").render(common, root="../", page=page, peers=page.peers)
        write_text(quarter_dir / page.href, html)
    write_calculators(env, quarter_dir, pages, common, content.trend, band, content.peer_cells)
    remove_stale_pages(quarter_dir / USE_CASE_DIR, pages)
    catalogue = default_catalogue()
    write_text(
        quarter_dir / "methodologie.html",
        env.get_template("methodologie.html").render(common, root="", catalogue=catalogue),
    )
    schemas = {stem: table_schema(stem) for stem in TABLES}
    donnees = env.get_template("donnees.html").render(
        common, root="", files=open_data_files(quarter_dir), schemas=schemas, manifest=MANIFEST
    )
    write_text(quarter_dir / "donnees.html", donnees)
    index = quarter_dir / "index.html"
    html = env.get_template("index.html").render(
        common,
        root="",
        pages=pages,
        roi=content.roi,
        overview=build_index(content.cells, content.roi, content.trend, pages),
        completeness=content.completeness,
    )
    write_text(index, html)
    return index


def edition_dir(site_root: Path, edition: Edition, latest: bool) -> Path:
    """site/<quarter>/ for the latest edition, site/<quarter>/editions/<n>/ for an earlier one."""
    quarter_dir = site_root / edition.quarter
    return quarter_dir if latest else quarter_dir / "editions" / str(edition.number)


def read_edition(warehouse_path: Warehouse, label: str, number: int | None) -> EditionContent:
    """The frozen rows of an edition and its frozen completeness (live for the latest edition only
    when it was frozen before completeness was kept with editions)."""
    with open_warehouse(warehouse_path, read_only=True) as con:
        edition = find_edition(con, label, number)
        latest = find_edition(con, label)
        if edition is None or latest is None:
            raise WarehouseError(
                f"{label}: no such edition; publish the quarter first (`tlkpi quarter {label}`)"
            )
        is_latest = edition.number == latest.number
        content = EditionContent(
            edition=edition,
            latest=is_latest,
            cells=read_benchmark(con, edition),
            roi=read_roi(con, edition),
            inputs=read_inputs(con, edition),
            completeness=frozen_completeness(con, edition),
            trend=read_trend(con, edition),
        )
        peer_cells, peer_roi = read_peers(con, label, edition.number)
        content = replace(content, peer_cells=peer_cells, peer_roi=peer_roi)
    if content.completeness is not None or not is_latest:
        return content
    # frozen before completeness was kept with editions: live figures as of the edition's lake
    # snapshot, so that re-rendered later the edition stays the same
    with open_warehouse(as_of(warehouse_path, edition.lake_snapshot), read_only=True) as con:
        return replace(content, completeness=completeness_counts(con, label))


def render_quarter_site(
    warehouse_path: Warehouse, quarter: str, site_root: Path, settings: Settings, number: int | None = None
) -> Path:
    """Render an edition of a quarter (by default its latest) and return the index path.

    The latest edition goes to site_root/<quarter>/ (index, cas-usage/<UC>.html, methodologie.html,
    donnees.html, static/, data/, manifest.json); an earlier one, re-rendered on demand, to
    site_root/<quarter>/editions/<n>/. The folder is written beside its place and swapped in whole;
    a folder that already holds this edition, as its manifest says, is left untouched.
    """
    content = read_edition(warehouse_path, parse_quarter(quarter).quarter_label, number)
    target = edition_dir(site_root, content.edition, content.latest)
    write_provenance(settings.audit_dir, content.edition, content.inputs)
    with publication_lock(target):
        if not is_current(target, content.edition):
            with staged_folder(target, keep=("editions",) if content.latest else ()) as staging:
                write_site(staging, content, settings)
    return target / "index.html"


def write_site(folder: Path, content: EditionContent, settings: Settings) -> None:
    """Every file of an edition's site into an empty folder, the manifest last."""
    copy_static(folder / "static")
    write_open_data(folder, content.cells, content.roi, content.peer_cells, content.peer_roi)
    write_table_schemas(folder / DATA_DIR)
    render_pages(build_environment(), folder, content, settings.render_workers, settings.calculator_band)
    write_manifest(folder, content.edition)


def site_is_current(warehouse_path: Warehouse, quarter: str, site_root: Path) -> bool:
    """True when site_root/<quarter>/ already holds the latest edition, every file as its manifest says."""
    content = read_edition(warehouse_path, parse_quarter(quarter).quarter_label, None)
    return is_current(edition_dir(site_root, content.edition, True), content.edition)
