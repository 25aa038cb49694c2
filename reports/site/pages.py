"""What the public pages of an edition show: use-case pages with their domains, footnotes and charts.

Pure: built from the frozen rows of an edition, no file or warehouse access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from string import ascii_lowercase

from disclosure.benchmark import TOTAL, BenchmarkCell, RoiCell
from disclosure.peers import PeerCell
from disclosure.trend import PublishedQuarter
from reports.charts.base import Chart, render_charts, roi_chart
from reports.charts.trends import kpi_trend_chart
from reports.sections import DomainSection, build_sections
from reports.site.peer_view import PeerTable, peer_charts, peer_table
from reports.summary import UseCaseSummary, summarise_use_case
from tlkpi.errors import WarehouseError

USE_CASE_DIR = "cas-usage"
_SAFE_FILE_STEM = re.compile(r"^[A-Za-z0-9_-]+$")


PENDING_REASON = "correction en attente"
WITHHELD_SENTENCE = (
    "Secret statistique : {reason}. La valeur n'est pas publiée pour protéger les établissements et "
    "les patients concernés."
)
SENTENCES = {
    "position": "{reason}.",
    "linear": "Moyennes, taux global et parts non publiés : {reason}.",
    "reference": "Moyenne de référence et évolution non publiées (la moyenne pilote l'est) : {reason}.",
    "pending": (
        "Correction en attente : des données de cette case ont été corrigées depuis l'édition "
        "précédente, dont les chiffres restent affichés jusqu'à ce que les corrections portent sur assez "
        "d'établissements pour être publiées sans en révéler aucun."
    ),
}


@dataclass(frozen=True)
class Note:
    """A footnote explaining why figures are empty or held; `mark` is the letter shown in the tables."""

    mark: str
    reason: str
    kind: str = "withheld"  # withheld (whole row), position, linear (dominance), reference or pending

    @property
    def sentence(self) -> str:
        template = SENTENCES.get(self.kind, WITHHELD_SENTENCE)
        text = template.format(reason=self.reason)
        return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class UseCasePage:
    code: str
    label: str
    sections: tuple[DomainSection, ...]
    notes: tuple[Note, ...]
    charts: Mapping[str, Chart] = field(default_factory=dict)
    roi: RoiCell | None = None
    roi_chart: Chart | None = None
    summary: UseCaseSummary | None = None
    peers: PeerTable | None = None  # national and peer-group figures side by side
    peer_charts: Mapping[str, Chart] = field(default_factory=dict)  # by KPI code

    @property
    def href(self) -> str:
        return f"{USE_CASE_DIR}/{self.code}.html"

    @property
    def calculator_href(self) -> str:
        return f"{USE_CASE_DIR}/{self.code}-estimer-roi.html"

    @property
    def title(self) -> str:
        """« Ensemble des cas d'usage » for the ENSEMBLE page, 'UC01 — label' for the others."""
        return self.label if self.code == TOTAL else f"{self.code} — {self.label}"

    @property
    def cells(self) -> Iterable[BenchmarkCell]:
        return (cell for section in self.sections for cell in section.cells)

    def note_mark(self, reason: str) -> str:
        return next(note.mark for note in self.notes if note.reason == reason)

    def cell_marks(self, cell: BenchmarkCell) -> list[str]:
        """The letters of the notes on a published row: empty positions or means, held correction."""
        return [self.note_mark(reason) for _, reason in cell_reasons(cell) if reason != cell.withheld_reason]


def cell_reasons(cell: BenchmarkCell) -> list[tuple[str, str]]:
    """(kind, reason) of every note a row calls for."""
    found: list[tuple[str, str | None]]
    if cell.withheld and cell.withheld_reason:
        found = [("withheld", cell.withheld_reason)]
    else:
        # P10 and P90 are not on the pages: a note on them alone would explain nothing shown
        position = cell.position_withheld_reason if cell.pilot_median is None else None
        # a row that publishes its pilot mean but not its reference: only the reference side is withheld
        linear = "reference" if cell.pilot_mean is not None and cell.baseline_mean is None else "linear"
        found = [("position", position), (linear, cell.linear_withheld_reason)]
    if cell.correction_pending:
        found.append(("pending", PENDING_REASON))
    return [(kind, reason) for kind, reason in found if reason]


def build_notes(cells: Iterable[BenchmarkCell]) -> tuple[Note, ...]:
    """One lettered footnote per reason, in order of first appearance."""
    reasons = list(dict.fromkeys(pair for cell in cells for pair in cell_reasons(cell)))
    return tuple(
        Note(mark, reason, kind) for mark, (kind, reason) in zip(ascii_lowercase, reasons, strict=False)
    )


History = dict[tuple[str, str], list[tuple[str, BenchmarkCell]]]


def build_history(trend: list[PublishedQuarter]) -> History:
    """(use case, KPI) -> its published row in each quarter of the trend, oldest first."""
    history: History = {}
    for published in trend:
        for cell in published.cells:
            history.setdefault((cell.use_case, cell.kpi), []).append((published.edition.quarter, cell))
    return history


def build_charts(cells: Iterable[BenchmarkCell], history: History) -> dict[str, Chart]:
    """One chart per KPI of a page with a published level in some quarter, keyed by KPI code."""
    charts = {}
    for number, cell in enumerate(cells, start=1):
        chart = kpi_trend_chart(
            history.get((cell.use_case, cell.kpi)) or [(cell.quarter, cell)], f"graphique-{number}"
        )
        if chart is not None:
            charts[cell.kpi] = chart
    return charts


def build_page(
    code: str,
    cells: list[BenchmarkCell],
    roi: RoiCell | None,
    trend: list[PublishedQuarter],
    history: History,
    peer_cells: Sequence[PeerCell] = (),
) -> UseCasePage:
    sections = build_sections(cells)
    ordered = [cell for section in sections for cell in section.cells]
    chart = roi_chart([roi], "graphique-roi", "Distribution du ROI des expérimentations") if roi else None
    quarters = [(published.edition.quarter, published.cells) for published in trend]
    peers = peer_table(ordered, peer_cells)
    return UseCasePage(
        code,
        cells[0].use_case_label,
        sections,
        build_notes(ordered),
        build_charts(ordered, history),
        roi,
        chart,
        summarise_use_case(cells, roi, quarters),
        peers,
        peer_charts(peers, cells[0].quarter),
    )


def build_pages(
    cells: list[BenchmarkCell],
    roi: list[RoiCell] | None = None,
    trend: list[PublishedQuarter] | None = None,
    peer_cells: Sequence[PeerCell] = (),
) -> list[UseCasePage]:
    """One page per use case having at least one cell this quarter, in code order, ENSEMBLE last."""
    roi_by_use_case = {row.use_case: row for row in roi or []}
    history = build_history(trend or [])
    pages = []
    for code in sorted({cell.use_case for cell in cells}, key=lambda code: (code == TOTAL, code)):
        if not _SAFE_FILE_STEM.match(code):
            raise WarehouseError(f"use case code {code!r} cannot be used as a file name")
        mine = [cell for cell in cells if cell.use_case == code]
        pages.append(build_page(code, mine, roi_by_use_case.get(code), trend or [], history, peer_cells))
    return pages


def render_page_charts(pages: list[UseCasePage], workers: int = 0) -> list[UseCasePage]:
    """The pages with the SVG of every chart, the charts of all pages rendered in one batch."""
    pending = [
        (*page.charts.values(), *([page.roi_chart] if page.roi_chart else []), *page.peer_charts.values())
        for page in pages
    ]
    rendered = iter(render_charts([chart for charts in pending for chart in charts], workers))
    done = []
    for page in pages:
        charts = {kpi: next(rendered) for kpi in page.charts}
        roi = next(rendered) if page.roi_chart else None
        peers = {kpi: next(rendered) for kpi in page.peer_charts}
        done.append(replace(page, charts=charts, roi_chart=roi, peer_charts=peers))
    return done
