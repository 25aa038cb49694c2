"""What the index of an edition shows: the use case × domain matrix, the ROI of each use case ranked,
and the programme's headline figures for every quarter published so far (small multiples).

Pure: built from the frozen rows of the edition and of the editions its trend rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from disclosure.benchmark import TOTAL, BenchmarkCell, RoiCell
from disclosure.trend import PublishedQuarter
from reports.charts.base import Chart, render_charts
from reports.charts.trends import headline_chart, matrix_chart, roi_ranking_chart
from reports.published import roi_level
from reports.site.pages import UseCasePage
from reports.summary import MatrixRow, build_matrix


@dataclass(frozen=True)
class IndexContent:
    domains: tuple[tuple[str, str], ...]
    matrix: list[MatrixRow]
    matrix_chart: Chart | None
    roi_chart: Chart | None
    trend_charts: tuple[Chart, ...]


def share_improved_overall(cells: Sequence[BenchmarkCell]) -> float | None:
    """The published shares of improvement of the ENSEMBLE rows, weighted by their experimentations."""
    shares = [
        (cell.share_improved, cell.n_experimentations)
        for cell in cells
        if cell.use_case == TOTAL and not cell.withheld and cell.share_improved is not None
    ]
    weight = sum(n for _, n in shares)
    return sum(share * n for share, n in shares) / weight if weight else None


def overall_roi(rows: Sequence[RoiCell]) -> float | None:
    total = next((row for row in rows if row.use_case == TOTAL), None)
    level = roi_level(total) if total else None
    return None if level is None else level.value


def headline_charts(trend: Sequence[PublishedQuarter]) -> tuple[Chart, ...]:
    """Establishments, experimentations, share of KPIs improved and overall ROI, quarter by quarter."""
    quarters = [published.edition.quarter for published in trend]
    figures: tuple[tuple[str, list[float | None], bool], ...] = (
        (
            "Établissements avec des données pilotes",
            [float(p.edition.n_establishments) for p in trend],
            False,
        ),
        (
            "Expérimentations avec des données pilotes",
            [float(p.edition.n_experimentations) for p in trend],
            False,
        ),
        (
            "Part des indicateurs en amélioration (ensemble)",
            [share_improved_overall(p.cells) for p in trend],
            True,
        ),
        ("ROI de l'ensemble des cas d'usage", [overall_roi(p.roi) for p in trend], True),
    )
    return tuple(
        headline_chart(f"tendance-{number}", title, list(zip(quarters, values, strict=True)), percent)
        for number, (title, values, percent) in enumerate(figures, start=1)
    )


def build_index(
    cells: list[BenchmarkCell],
    roi: list[RoiCell],
    trend: Sequence[PublishedQuarter],
    pages: list[UseCasePage],
) -> IndexContent:
    """The index's charts, rendered in one batch."""
    hrefs = {page.code: page.href for page in pages}
    labels = {page.code: page.label for page in pages}
    domains, matrix = build_matrix(cells, labels, hrefs)
    headlines = headline_charts(trend)
    ranking = roi_ranking_chart(roi, "graphique-roi")
    grid = matrix_chart(domains, matrix, "graphique-matrice") if matrix else None
    extra = [chart for chart in (ranking, grid) if chart is not None]
    rendered = iter(render_charts([*headlines, *extra]))
    trend_charts = tuple(next(rendered) for _ in headlines)
    roi_chart = next(rendered) if ranking else None
    return IndexContent(
        domains=domains,
        matrix=matrix,
        matrix_chart=next(rendered) if grid else None,
        roi_chart=roi_chart,
        trend_charts=trend_charts,
    )
