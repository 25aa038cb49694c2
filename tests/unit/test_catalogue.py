"""The shipped reference catalogue, and the refusal of an inconsistent one naming the entry and field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas.catalogue import CATALOGUE_DIR, Catalogue, default_catalogue, load_catalogue
from tlkpi.errors import CatalogueError

# The KPI table of DESIGN.md: code -> (domain, unit, kind, direction).
DESIGN_KPIS = {
    "EFF_DELAI_PEC": ("EFF", "minutes", "duration", "lower_is_better"),
    "EFF_PATIENTS_JOUR": ("EFF", "patients/jour", "count", "higher_is_better"),
    "EFF_TAUX_OCCUPATION": ("EFF", "%", "rate", "higher_is_better"),
    "QUA_READMISSION_30J": ("QUA", "%", "rate", "lower_is_better"),
    "QUA_DMS": ("QUA", "jours", "duration", "lower_is_better"),
    "QUA_SATISFACTION": ("QUA", "/100", "score", "higher_is_better"),
    "QUA_EVENEMENTS_INDESIRABLES": ("QUA", "%", "rate", "lower_is_better"),
    "ECO_DEPENSES_EVITEES": ("ECO", "€", "amount_eur", "higher_is_better"),
    "ECO_RECETTES_NOUVELLES": ("ECO", "€", "amount_eur", "higher_is_better"),
    "ECO_COUT_SOLUTION": ("ECO", "€", "amount_eur", "lower_is_better"),
    "ATT_TURNOVER": ("ATT", "%", "rate", "lower_is_better"),
    "ATT_CANDIDATURES": ("ATT", "nombre", "count", "higher_is_better"),
    "ATT_FIDELISATION": ("ATT", "%", "rate", "higher_is_better"),
}
USE_CASES = [f"UC{n:02d}" for n in range(1, 18)]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def test_shipped_catalogue_has_the_four_domains(catalogue: Catalogue) -> None:
    assert sorted(catalogue.domains) == sorted(["EFF", "QUA", "ECO", "ATT"])
    assert all(domain.label for domain in catalogue.domains.values())


def test_shipped_catalogue_has_seventeen_illustrative_use_cases(catalogue: Catalogue) -> None:
    assert sorted(catalogue.use_cases) == USE_CASES
    assert all(use_case.illustrative for use_case in catalogue.use_cases.values())
    assert all(use_case.label for use_case in catalogue.use_cases.values())


def test_default_catalogue_is_loaded_once() -> None:
    assert default_catalogue() is default_catalogue()
    assert set(default_catalogue().kpis) >= set(DESIGN_KPIS)


@pytest.mark.parametrize(("code", "expected"), list(DESIGN_KPIS.items()), ids=list(DESIGN_KPIS))
def test_design_kpis_have_domain_unit_kind_and_direction(
    catalogue: Catalogue, code: str, expected: tuple[str, str, str, str]
) -> None:
    kpi = catalogue.kpis[code]
    assert (kpi.domain, kpi.unit, kpi.kind, kpi.direction) == expected
    assert kpi.label
    assert kpi.definition
    assert kpi.min < kpi.max
    assert kpi.is_rate == (kpi.kind == "rate")
    assert kpi.lower_is_better == (kpi.direction == "lower_is_better")


@pytest.mark.parametrize("code", list(DESIGN_KPIS))
def test_design_kpis_are_allowed_for_every_use_case(catalogue: Catalogue, code: str) -> None:
    assert set(catalogue.kpis[code].use_cases) == set(USE_CASES)
    assert {(uc, code) for uc in USE_CASES} <= catalogue.allowed_pairs()


def test_rates_are_in_percent_between_0_and_100(catalogue: Catalogue) -> None:
    rates = [kpi for kpi in catalogue.kpis.values() if kpi.is_rate]
    assert rates
    for kpi in rates:
        assert kpi.unit == "%"
        assert 0 <= kpi.min < kpi.max <= 100


def test_kpis_of_domain(catalogue: Catalogue) -> None:
    eco = {kpi.code for kpi in catalogue.kpis_of_domain("ECO")}
    assert {"ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES", "ECO_COUT_SOLUTION"} <= eco
    assert all(catalogue.kpis[code].domain == "ECO" for code in eco)


def copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def edit_kpis(folder: Path, code: str, change: dict[str, Any]) -> None:
    """Apply `change` to the KPI `code` of kpis.yaml; a value of None removes the field."""
    path = folder / "kpis.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in entries if e["code"] == code)
    for field, value in change.items():
        if value is None:
            entry.pop(field)
        else:
            entry[field] = value
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def test_a_copy_of_the_catalogue_loads(tmp_path: Path) -> None:
    catalogue = load_catalogue(copy_catalogue(tmp_path))
    assert set(catalogue.kpis) == set(default_catalogue().kpis)


@pytest.mark.parametrize("field", ["domain", "unit", "direction", "kind", "label", "min", "max"])
def test_kpi_missing_a_field_is_refused_naming_kpi_and_field(tmp_path: Path, field: str) -> None:
    folder = copy_catalogue(tmp_path)
    edit_kpis(folder, "QUA_DMS", {field: None})
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    message = str(caught.value)
    assert "QUA_DMS" in message
    assert f"'{field}'" in message


@pytest.mark.parametrize(
    ("change", "named"),
    [
        pytest.param({"domain": "XYZ"}, "XYZ", id="unknown domain"),
        pytest.param({"kind": "ratio"}, "ratio", id="unknown kind"),
        pytest.param({"direction": "up"}, "up", id="unknown direction"),
        pytest.param({"use_cases": ["UC01", "UC99"]}, "UC99", id="unknown use case"),
        pytest.param({"min": 100, "max": 0}, "min", id="empty range"),
    ],
)
def test_inconsistent_kpi_is_refused_naming_kpi_and_reference(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    folder = copy_catalogue(tmp_path)
    edit_kpis(folder, "ATT_TURNOVER", change)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    message = str(caught.value)
    assert "ATT_TURNOVER" in message
    assert named in message


def test_kpi_listed_twice_is_refused(tmp_path: Path) -> None:
    folder = copy_catalogue(tmp_path)
    path = folder / "kpis.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries.append(dict(entries[0]))
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=f"{entries[0]['code']} appears twice"):
        load_catalogue(folder)


def test_unreadable_yaml_is_refused_naming_the_file(tmp_path: Path) -> None:
    folder = copy_catalogue(tmp_path)
    (folder / "domains.yaml").write_text("- code: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"domains\.yaml"):
        load_catalogue(folder)


def test_kpi_restricted_to_some_use_cases(tmp_path: Path) -> None:
    folder = copy_catalogue(tmp_path)
    edit_kpis(folder, "QUA_DMS", {"use_cases": ["UC01", "UC02"]})
    catalogue = load_catalogue(folder)
    assert catalogue.kpis["QUA_DMS"].use_cases == ("UC01", "UC02")
    assert ("UC03", "QUA_DMS") not in catalogue.allowed_pairs()
    assert ("UC02", "QUA_DMS") in catalogue.allowed_pairs()
