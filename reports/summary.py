"""The answers first: what a use case improved (its summary box) and the use case × domain matrix of
the index. Built from published rows only: counts of published KPIs, published shares, published ROI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from disclosure.benchmark import TOTAL, BenchmarkCell, RoiCell
from reports.published import Level, improved, level_change, roi_level, threshold_reached, worsened
from reports.sections import ordered_domains


@dataclass(frozen=True)
class DomainTally:
    """Per performance domain on a use-case page: how its published KPIs moved."""

    code: str
    label: str
    published: int
    withheld: int
    compared: int  # published KPIs with a change to judge (a reference phase)
    improved: int
    worsened: int
    with_threshold: int
    threshold_met: int


@dataclass(frozen=True)
class UseCaseSummary:
    n_establishments: int
    n_experimentations: int
    since: str | None
    domains: tuple[DomainTally, ...]
    roi: Level | None
    roi_experimentations: int | None


@dataclass(frozen=True)
class MatrixCell:
    """One use case × domain cell of the index: the share of the experimentations' KPIs that improved
    (the published shares, weighted by their experimentations) and the experimentations behind it."""

    domain: str
    share: float | None
    n_experimentations: int
    n_kpis: int
    withheld: bool

    @property
    def empty(self) -> bool:
        return self.n_kpis == 0

    @property
    def status(self) -> str:
        """'vide' (no KPI), 'secret' (all withheld), 'sans comparaison' (published, pilot only), 'part'."""
        if self.empty:
            return "vide"
        if self.withheld:
            return "secret"
        return "part" if self.share is not None else "sans comparaison"


@dataclass(frozen=True)
class MatrixRow:
    code: str
    label: str
    href: str
    cells: tuple[MatrixCell, ...]


def tally_domain(code: str, label: str, cells: Sequence[BenchmarkCell]) -> DomainTally:
    shown = [cell for cell in cells if not cell.withheld]
    thresholds = [reached for cell in shown if (reached := threshold_reached(cell)) is not None]
    return DomainTally(
        code=code,
        label=label,
        published=len(shown),
        withheld=len(cells) - len(shown),
        compared=sum(
            1 for cell in shown if level_change(cell) is not None or cell.median_relative_change is not None
        ),
        improved=sum(1 for cell in shown if improved(cell)),
        worsened=sum(1 for cell in shown if worsened(cell)),
        with_threshold=len(thresholds),
        threshold_met=sum(1 for met, _ in thresholds if met),
    )


def first_quarter(use_case: str, quarters: Iterable[tuple[str, Sequence[BenchmarkCell]]]) -> str | None:
    """The first published quarter in which the use case has a row."""
    return next((label for label, cells in quarters if any(c.use_case == use_case for c in cells)), None)


def summarise_use_case(
    cells: Sequence[BenchmarkCell],
    roi: RoiCell | None,
    quarters: Iterable[tuple[str, Sequence[BenchmarkCell]]],
) -> UseCaseSummary:
    """The summary box of a use-case page (cells: the page's rows of this edition)."""
    domains = ordered_domains({cell.domain: cell.domain_label for cell in cells})
    tallies = tuple(
        tally_domain(code, label, [cell for cell in cells if cell.domain == code])
        for code, label in domains.items()
    )
    return UseCaseSummary(
        n_establishments=max((cell.n_establishments for cell in cells), default=0),
        n_experimentations=max((cell.n_experimentations for cell in cells), default=0),
        since=first_quarter(cells[0].use_case, quarters) if cells else None,
        domains=tallies,
        roi=roi_level(roi) if roi else None,
        roi_experimentations=roi.n_experimentations if roi else None,
    )


def matrix_cell(domain: str, cells: Sequence[BenchmarkCell]) -> MatrixCell:
    shares = [
        (cell.share_improved, cell.n_experimentations)
        for cell in cells
        if not cell.withheld and cell.share_improved is not None
    ]
    weight = sum(n for _, n in shares)
    return MatrixCell(
        domain=domain,
        share=sum(share * n for share, n in shares) / weight if weight else None,
        n_experimentations=max((cell.n_experimentations for cell in cells), default=0),
        n_kpis=len(cells),
        withheld=bool(cells) and all(cell.withheld for cell in cells),
    )


def build_matrix(
    cells: Sequence[BenchmarkCell], labels: dict[str, str], hrefs: dict[str, str]
) -> tuple[tuple[tuple[str, str], ...], list[MatrixRow]]:
    """The catalogue's domains (code, label) and one row per use case with data, ENSEMBLE last."""
    domains = ordered_domains({cell.domain: cell.domain_label for cell in cells})
    rows = []
    for code in sorted({cell.use_case for cell in cells}, key=lambda code: (code == TOTAL, code)):
        mine = [cell for cell in cells if cell.use_case == code]
        rows.append(
            MatrixRow(
                code=code,
                label=labels.get(code, mine[0].use_case_label),
                href=hrefs[code],
                cells=tuple(matrix_cell(d, [c for c in mine if c.domain == d]) for d in domains),
            )
        )
    return tuple(domains.items()), rows
