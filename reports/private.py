"""The private report of each establishment: per use case, its own values against the peer quartiles.

Written to <data root>/private/<quarter>/<FINESS>/ (index.html, <UC>.html, static/), never under
site/. A page shows one establishment's own values and the published statistics of its peers (the
quartiles of the frozen edition, only when that cell is not withheld): never another establishment's
name or value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.sections import build_sections
from reports.templating import build_environment, copy_static, write_text
from schemas.periods import parse_quarter
from tlkpi.errors import WarehouseError
from tlkpi.settings import Settings
from warehouse.benchmark import BenchmarkCell, RoiCell
from warehouse.db import open_warehouse
from warehouse.editions import Edition, find_edition, read_benchmark, read_roi
from warehouse.queries import fetch_dicts

PRIVATE_DIR = "private"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
QUARTERS = ("premier quart", "deuxième quart", "troisième quart", "dernier quart")


@dataclass(frozen=True)
class OwnValue:
    """One KPI of one experimentation: its own figures, and the peers' cell when it is published."""

    own: dict[str, Any]
    peers: BenchmarkCell | None
    withheld_reason: str | None

    @property
    def position(self) -> str | None:
        return peer_position(self.own["pilot"], self.peers)


@dataclass(frozen=True)
class PrivatePage:
    finess: str
    name: str | None
    use_case: str
    use_case_label: str
    sections: tuple[tuple[str, str, tuple[OwnValue, ...]], ...]
    roi: dict[str, Any] | None
    peer_roi: RoiCell | None

    @property
    def href(self) -> str:
        return f"{self.use_case}.html"


def private_root(settings: Settings) -> Path:
    """<data root>/private: next to site/, never inside it."""
    return settings.root / PRIVATE_DIR


def peer_position(value: float | None, peers: BenchmarkCell | None) -> str | None:
    """Which quarter of the peer distribution a value falls in, best quarter first (direction-aware)."""
    if value is None or peers is None or None in (peers.pilot_p25, peers.pilot_median, peers.pilot_p75):
        return None
    bounds = [peers.pilot_p25, peers.pilot_median, peers.pilot_p75]
    rank = sum(value > bound for bound in bounds if bound is not None)
    if not peers.lower_is_better:
        rank = 3 - sum(value >= bound for bound in bounds if bound is not None)
    return f"{QUARTERS[rank]} des expérimentations" + (" (le plus performant)" if rank == 0 else "")


def own_value(row: dict[str, Any], cell: BenchmarkCell | None) -> OwnValue:
    published = cell if cell is not None and not cell.withheld else None
    reason = cell.withheld_reason if cell is not None and cell.withheld else None
    return OwnValue(own=row, peers=published, withheld_reason=reason)


def group_sections(values: list[OwnValue]) -> tuple[tuple[str, str, tuple[OwnValue, ...]], ...]:
    """The catalogue's domains in order (only those with values), KPIs in catalogue order."""
    by_kpi = {value.own["kpi"]: value for value in values}
    cells = [_as_cell(value.own) for value in values]
    return tuple(
        (section.code, section.label, tuple(by_kpi[cell.kpi] for cell in section.cells))
        for section in build_sections(cells)
        if section.cells
    )


def _as_cell(row: dict[str, Any]) -> BenchmarkCell:
    """A stand-in cell carrying only what build_sections sorts on (domain, KPI)."""
    empty: dict[str, Any] = {name: None for name in BenchmarkCell.__dataclass_fields__}
    empty.update({name: row[name] for name in ("use_case", "domain", "domain_label", "kpi")})
    return BenchmarkCell(**empty)


def build_private_pages(
    rows: list[dict[str, Any]], roi_rows: list[dict[str, Any]], cells: list[BenchmarkCell], roi: list[RoiCell]
) -> list[PrivatePage]:
    """One page per (establishment, use case) having pilot values in the quarter."""
    cell_of = {(cell.use_case, cell.kpi): cell for cell in cells}
    roi_of = {(row["finess"], row["use_case"]): row for row in roi_rows if row["roi"] is not None}
    peer_roi = {row.use_case: row for row in roi if not row.withheld}
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(row["finess"], row["use_case"])].append(row)
    pages = []
    for (finess, use_case), mine in sorted(grouped.items()):
        if not (_SAFE_NAME.match(finess) and _SAFE_NAME.match(use_case)):
            raise WarehouseError(f"{finess}/{use_case} cannot be used as a file name")
        values = [own_value(row, cell_of.get((use_case, row["kpi"]))) for row in mine]
        pages.append(
            PrivatePage(
                finess=finess,
                name=mine[0]["establishment_name"],
                use_case=use_case,
                use_case_label=mine[0]["use_case_label"],
                sections=group_sections(values),
                roi=roi_of.get((finess, use_case)),
                peer_roi=peer_roi.get(use_case),
            )
        )
    return pages


def read_private(warehouse_path: Path, quarter: str) -> tuple[Edition, list[PrivatePage]]:
    """The latest edition of a quarter and the private pages of its experimentations."""
    with open_warehouse(warehouse_path, read_only=True) as con:
        edition = find_edition(con, quarter)
        if edition is None:
            raise WarehouseError(
                f"{quarter}: no edition; publish the quarter first (`tlkpi quarter {quarter}`)"
            )
        rows = fetch_dicts(con, "private_values", {"quarter": quarter})
        roi_rows = fetch_dicts(con, "private_roi", {"quarter": quarter})
        pages = build_private_pages(rows, roi_rows, read_benchmark(con, edition), read_roi(con, edition))
    return edition, pages


def remove_stale(folder: Path, wanted: set[str]) -> None:
    for path in folder.glob("*.html"):
        if path.name not in wanted:
            path.unlink()


def render_private_reports(warehouse_path: Path, quarter: str, root: Path) -> list[Path]:
    """Write root/<quarter>/<FINESS>/ for every establishment of the latest edition; return its indexes."""
    label = parse_quarter(quarter).quarter_label
    edition, pages = read_private(warehouse_path, label)
    env = build_environment()
    by_finess: dict[str, list[PrivatePage]] = defaultdict(list)
    for page in pages:
        by_finess[page.finess].append(page)
    indexes = []
    for finess, mine in by_finess.items():
        folder = root / label / finess
        common = {"quarter": label, "edition": edition, "root": "", "finess": finess, "name": mine[0].name}
        copy_static(folder / "static")
        for page in mine:
            write_text(folder / page.href, env.get_template("private.html").render(common, page=page))
        index = folder / "index.html"
        write_text(index, env.get_template("private_index.html").render(common, pages=mine))
        remove_stale(folder, {"index.html", *(page.href for page in mine)})
        indexes.append(index)
    return indexes
