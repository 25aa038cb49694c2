"""Header matching of the file contract (case, accents, spaces, apostrophes, '_'/'-') and phases."""

from __future__ import annotations

import pytest

from schemas.columns import BY_NAME, COLUMN_NAMES, COLUMNS, REQUIRED, canonical_name, normalize_phase


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("FINESS", "finess"),
        ("finess", "finess"),
        ("Cas d'usage", "cas_usage"),
        ("cas_usage", "cas_usage"),
        ("USE-CASE", "cas_usage"),
        ("use_case", "cas_usage"),
        ("cas d’usage", "cas_usage"),  # curly apostrophe, as Word and Excel type it
        ("Indicateur", "indicateur"),
        ("KPI", "indicateur"),
        ("Période", "periode"),
        ("periode", "periode"),
        ("PERIOD", "periode"),
        ("Phase", "phase"),
        ("Valeur", "valeur"),
        ("value", "valeur"),
        ("Numérateur", "numerateur"),
        ("numerator", "numerateur"),
        ("Dénominateur", "denominateur"),
        ("denominator", "denominateur"),
        ("Effectif", "effectif"),
        ("n", "effectif"),
        ("N", "effectif"),
        (" Commentaire ", "commentaire"),
        ("comment", "commentaire"),
        ("\ufeffFINESS", "finess"),
        ("Pe\u0301riode", "periode"),  # decomposed accent (macOS file names, some exports)
    ],
)
def test_header_is_matched_to_its_canonical_column(header: str, name: str) -> None:
    assert canonical_name(header) == name


@pytest.mark.parametrize("header", ["foo", "", "valeurs", "date", "finess_juridique"])
def test_unknown_header_is_none(header: str) -> None:
    assert canonical_name(header) is None


@pytest.mark.parametrize("column", COLUMNS, ids=COLUMN_NAMES)
def test_every_column_is_found_by_name_label_and_alias(column) -> None:
    for spelling in (column.name, column.label, column.alias, column.label.upper()):
        assert canonical_name(spelling) == column.name


def test_required_columns_are_those_of_the_contract() -> None:
    assert REQUIRED == ("finess", "cas_usage", "indicateur", "periode", "phase")
    assert all(BY_NAME[name].required for name in REQUIRED)
    assert not any(BY_NAME[name].required for name in COLUMN_NAMES if name not in REQUIRED)


@pytest.mark.parametrize(
    ("text", "phase"),
    [
        ("reference", "reference"),
        ("référence", "reference"),
        ("Référence", "reference"),
        ("baseline", "reference"),
        ("BASELINE", "reference"),
        ("pilote", "pilote"),
        ("Pilote", "pilote"),
        ("pilot", "pilote"),
        (" pilote ", "pilote"),
        ("deploiement", None),
        ("", None),
    ],
)
def test_phase_is_normalised(text: str, phase: str | None) -> None:
    assert normalize_phase(text) == phase
