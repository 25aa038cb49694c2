"""Write the static French HTML site of a quarter's edition: an index, one page per use case with data
(and one for the ENSEMBLE rows), and the open-data files under data/.

Reads a frozen edition from the warehouse, read-only; the same edition gives byte-identical files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from string import ascii_lowercase

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from reports.formatting import FILTERS, NBSP, format_number
from reports.open_data import DATA_DIR, write_open_data
from schemas.catalogue import default_catalogue
from schemas.periods import parse_quarter
from tlkpi.errors import WarehouseError
from tlkpi.settings import Settings
from warehouse.benchmark import TOTAL, BenchmarkCell, RoiCell
from warehouse.db import open_warehouse
from warehouse.editions import Edition, find_edition, read_benchmark, read_roi

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
USE_CASE_DIR = "cas-usage"
_SAFE_FILE_STEM = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class DomainSection:
    """The KPIs of one performance domain on a use-case page (possibly none this quarter)."""

    code: str
    label: str
    cells: tuple[BenchmarkCell, ...]


@dataclass(frozen=True)
class Note:
    """A footnote explaining why cells are withheld; `mark` is the letter shown in the tables."""

    mark: str
    reason: str


@dataclass(frozen=True)
class UseCasePage:
    code: str
    label: str
    sections: tuple[DomainSection, ...]
    notes: tuple[Note, ...]

    @property
    def href(self) -> str:
        return f"{USE_CASE_DIR}/{self.code}.html"

    def note_mark(self, reason: str) -> str:
        return next(note.mark for note in self.notes if note.reason == reason)


def build_environment() -> Environment:
    """Jinja2 with HTML autoescaping, strict undefined variables and the French filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters["fr_change"] = format_change
    return env


def format_change(value: float) -> str:
    """A relative change as a signed whole percentage: -0.123 -> '−12 %', 0.05 -> '+5 %'."""
    text = format_number(100 * value, 0)
    return ("+" if text[0].isdigit() and text != "0" else "") + text + NBSP + "%"


def catalogue_rank(codes: Iterable[str]) -> dict[str, int]:
    """Position of each code in the catalogue, so pages follow its order rather than the alphabet."""
    return {code: index for index, code in enumerate(codes)}


def build_sections(cells: list[BenchmarkCell]) -> tuple[DomainSection, ...]:
    """The four catalogue domains in order (empty ones included), then any domain it does not know."""
    catalogue = default_catalogue()
    kpi_rank = catalogue_rank(catalogue.kpis)
    labels = {code: domain.label for code, domain in catalogue.domains.items()}
    extra = sorted({cell.domain for cell in cells} - set(labels))
    labels.update({cell.domain: cell.domain_label for cell in cells if cell.domain in extra})
    sections = []
    for code in [*catalogue.domains, *extra]:
        mine = sorted(
            (cell for cell in cells if cell.domain == code),
            key=lambda cell: (kpi_rank.get(cell.kpi, len(kpi_rank)), cell.kpi),
        )
        sections.append(DomainSection(code, labels[code], tuple(mine)))
    return tuple(sections)


def build_notes(cells: list[BenchmarkCell]) -> tuple[Note, ...]:
    """One lettered footnote per withholding reason, in order of first appearance."""
    reasons = list(dict.fromkeys(cell.withheld_reason for cell in cells if cell.withheld_reason))
    return tuple(Note(mark, reason) for mark, reason in zip(ascii_lowercase, reasons, strict=False))


def build_pages(cells: list[BenchmarkCell]) -> list[UseCasePage]:
    """One page per use case having at least one cell this quarter, in code order, ENSEMBLE last."""
    pages = []
    for code in sorted({cell.use_case for cell in cells}, key=lambda code: (code == TOTAL, code)):
        if not _SAFE_FILE_STEM.match(code):
            raise WarehouseError(f"use case code {code!r} cannot be used as a file name")
        mine = [cell for cell in cells if cell.use_case == code]
        sections = build_sections(mine)
        ordered = [cell for section in sections for cell in section.cells]
        pages.append(UseCasePage(code, mine[0].use_case_label, sections, build_notes(ordered)))
    return pages


def write_text(path: Path, text: str) -> None:
    """UTF-8, LF line endings, whatever the platform."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def copy_static(target_dir: Path) -> None:
    """Copy reports/static/ byte for byte."""
    for source in sorted(STATIC_DIR.iterdir()):
        if source.is_file():
            target = target_dir / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())


def remove_stale_pages(use_case_dir: Path, pages: list[UseCasePage]) -> None:
    """Drop use-case pages left by an earlier render whose use case no longer has data."""
    wanted = {f"{page.code}.html" for page in pages}
    if use_case_dir.is_dir():
        for path in use_case_dir.glob("*.html"):
            if path.name not in wanted:
                path.unlink()


def render_pages(
    env: Environment,
    quarter_dir: Path,
    edition: Edition,
    pages: list[UseCasePage],
    roi: list[RoiCell],
) -> Path:
    """Write the index and the use-case pages; return the index path."""
    common = {
        "quarter": edition.quarter,
        "edition": edition,
        "data_dir": DATA_DIR,
        "illustrative": any(cell.use_case_illustrative for page in pages for cell in _cells(page)),
    }
    for page in pages:
        html = env.get_template("use_case.html").render(common, root="../", page=page)
        write_text(quarter_dir / page.href, html)
    remove_stale_pages(quarter_dir / USE_CASE_DIR, pages)
    index = quarter_dir / "index.html"
    write_text(index, env.get_template("index.html").render(common, root="", pages=pages, roi=roi))
    return index


def _cells(page: UseCasePage) -> Iterable[BenchmarkCell]:
    return (cell for section in page.sections for cell in section.cells)


def edition_dir(site_root: Path, edition: Edition, latest: bool) -> Path:
    """site/<quarter>/ for the latest edition, site/<quarter>/editions/<n>/ for an earlier one."""
    quarter_dir = site_root / edition.quarter
    return quarter_dir if latest else quarter_dir / "editions" / str(edition.number)


def render_quarter_site(
    warehouse_path: Path, quarter: str, site_root: Path, settings: Settings, number: int | None = None
) -> Path:
    """Render an edition of a quarter (by default its latest) and return the index path.

    The latest edition goes to site_root/<quarter>/ (index, cas-usage/<UC>.html, static/, data/);
    an earlier one, re-rendered on demand, to site_root/<quarter>/editions/<n>/.
    """
    label = parse_quarter(quarter).quarter_label
    with open_warehouse(warehouse_path, read_only=True) as con:
        edition = find_edition(con, label, number)
        latest = find_edition(con, label)
        if edition is None or latest is None:
            raise WarehouseError(
                f"{label}: no such edition; publish the quarter first (`tlkpi quarter {label}`)"
            )
        cells = read_benchmark(con, edition)
        roi = read_roi(con, edition)
    target = edition_dir(site_root, edition, latest=edition.number == latest.number)
    copy_static(target / "static")
    write_open_data(target, cells, roi)
    return render_pages(build_environment(), target, edition, build_pages(cells), roi)
