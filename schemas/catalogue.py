"""The reference catalogue (domains, use cases, KPIs) read from the data files in schemas/catalogue/.

The files are data, edited by the DNS; this module only loads them and refuses an inconsistent one,
naming the entry and the field to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tlkpi.errors import CatalogueError

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
KINDS = ("rate", "duration", "count", "score", "amount_eur")
DIRECTIONS = ("lower_is_better", "higher_is_better")


@dataclass(frozen=True)
class Domain:
    code: str
    label: str
    description: str


@dataclass(frozen=True)
class UseCase:
    code: str
    label: str
    illustrative: bool


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    definition: str
    domain: str
    unit: str
    kind: str
    direction: str
    min: float
    max: float
    threshold: float | None
    use_cases: tuple[str, ...]

    @property
    def is_rate(self) -> bool:
        return self.kind == "rate"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_is_better"


@dataclass(frozen=True, eq=False)  # hashed by identity: one catalogue, one GE suite
class Catalogue:
    domains: dict[str, Domain]
    use_cases: dict[str, UseCase]
    kpis: dict[str, Kpi]

    def allowed_pairs(self) -> set[tuple[str, str]]:
        """Every (use case, KPI) a file may report."""
        return {(uc, kpi.code) for kpi in self.kpis.values() for uc in kpi.use_cases}

    def kpis_of_domain(self, domain: str) -> list[Kpi]:
        return [kpi for kpi in self.kpis.values() if kpi.domain == domain]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot be read as YAML ({exc})") from exc


def _require(entry: dict[str, Any], field: str, where: str) -> Any:
    value = entry.get(field)
    if value is None or value == "":
        raise CatalogueError(f"{where}: field '{field}' is missing; every entry needs one")
    return value


def _parse_kpi(entry: dict[str, Any], index: int, catalogue_dir: Path, use_cases: list[str]) -> Kpi:
    code = entry.get("code") or f"entry #{index + 1}"
    where = f"{catalogue_dir / 'kpis.yaml'}: KPI {code}"
    domain = _require(entry, "domain", where)
    kind = _require(entry, "kind", where)
    direction = _require(entry, "direction", where)
    if kind not in KINDS:
        raise CatalogueError(f"{where}: kind '{kind}' is not one of {', '.join(KINDS)}")
    if direction not in DIRECTIONS:
        raise CatalogueError(f"{where}: direction '{direction}' is not one of {', '.join(DIRECTIONS)}")
    low, high = float(_require(entry, "min", where)), float(_require(entry, "max", where))
    if low >= high:
        raise CatalogueError(f"{where}: plausible range min {low} must be below max {high}")
    scope = entry.get("use_cases", "all")
    allowed = tuple(use_cases) if scope == "all" else tuple(scope)
    threshold = entry.get("threshold")
    return Kpi(
        code=_require(entry, "code", where),
        label=_require(entry, "label", where),
        definition=_require(entry, "definition", where),
        domain=domain,
        unit=str(_require(entry, "unit", where)),
        kind=kind,
        direction=direction,
        min=low,
        max=high,
        threshold=None if threshold is None else float(threshold),
        use_cases=allowed,
    )


def _check_references(catalogue: Catalogue, catalogue_dir: Path) -> None:
    for kpi in catalogue.kpis.values():
        where = f"{catalogue_dir / 'kpis.yaml'}: KPI {kpi.code}"
        if kpi.domain not in catalogue.domains:
            raise CatalogueError(f"{where}: domain '{kpi.domain}' is not in domains.yaml")
        unknown = sorted(set(kpi.use_cases) - set(catalogue.use_cases))
        if unknown:
            raise CatalogueError(f"{where}: use cases {unknown} are not in use_cases.yaml")


def load_catalogue(catalogue_dir: Path = CATALOGUE_DIR) -> Catalogue:
    """Load and check the catalogue; raise CatalogueError naming the first inconsistent entry."""
    domains = {
        d["code"]: Domain(d["code"], d["label"], d.get("description", ""))
        for d in _read_yaml(catalogue_dir / "domains.yaml")
    }
    uc_file = _read_yaml(catalogue_dir / "use_cases.yaml")
    illustrative = bool(uc_file.get("illustrative", False))
    use_cases = {u["code"]: UseCase(u["code"], u["label"], illustrative) for u in uc_file["use_cases"]}
    kpis: dict[str, Kpi] = {}
    for index, entry in enumerate(_read_yaml(catalogue_dir / "kpis.yaml")):
        kpi = _parse_kpi(entry, index, catalogue_dir, list(use_cases))
        if kpi.code in kpis:
            raise CatalogueError(f"{catalogue_dir / 'kpis.yaml'}: KPI {kpi.code} appears twice")
        kpis[kpi.code] = kpi
    catalogue = Catalogue(domains, use_cases, kpis)
    _check_references(catalogue, catalogue_dir)
    return catalogue


@cache
def default_catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load_catalogue()
