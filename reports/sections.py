"""The performance domains of a page in catalogue order, each with its KPIs in catalogue order.

Shared by the public use-case pages and the private reports (which import no chart code).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from disclosure.benchmark import BenchmarkCell
from schemas.catalogue import default_catalogue


@dataclass(frozen=True)
class DomainSection:
    """The KPIs of one performance domain on a use-case page (possibly none this quarter)."""

    code: str
    label: str
    cells: tuple[BenchmarkCell, ...]


def catalogue_rank(codes: Iterable[str]) -> dict[str, int]:
    """Position of each code in the catalogue, so pages follow its order rather than the alphabet."""
    return {code: index for index, code in enumerate(codes)}


def ordered_domains(other_labels: Mapping[str, str]) -> dict[str, str]:
    """The catalogue's domains in order with their labels, then any other domain (by code) with the
    label given for it in `other_labels`."""
    labels = {code: domain.label for code, domain in default_catalogue().domains.items()}
    extra = sorted(set(other_labels) - set(labels))
    return labels | {code: other_labels[code] for code in extra}


def kpi_order() -> dict[str, int]:
    """The rank of each catalogue KPI; sort with `kpi_sort_key`, which puts the others last, by code."""
    return catalogue_rank(default_catalogue().kpis)


def kpi_sort_key(rank: Mapping[str, int], kpi: str) -> tuple[int, str]:
    return rank.get(kpi, len(rank)), kpi


def build_sections(cells: list[BenchmarkCell]) -> tuple[DomainSection, ...]:
    """The four catalogue domains in order (empty ones included), then any domain it does not know."""
    rank = kpi_order()
    domains = ordered_domains({cell.domain: cell.domain_label for cell in cells})
    sections = []
    for code, label in domains.items():
        mine = sorted(
            (cell for cell in cells if cell.domain == code), key=lambda cell: kpi_sort_key(rank, cell.kpi)
        )
        sections.append(DomainSection(code, label, tuple(mine)))
    return tuple(sections)
