"""The performance domains of a page in catalogue order, each with its KPIs in catalogue order.

Shared by the public use-case pages and the private reports (which import no chart code).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.catalogue import default_catalogue
from warehouse.benchmark import BenchmarkCell


@dataclass(frozen=True)
class DomainSection:
    """The KPIs of one performance domain on a use-case page (possibly none this quarter)."""

    code: str
    label: str
    cells: tuple[BenchmarkCell, ...]


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
