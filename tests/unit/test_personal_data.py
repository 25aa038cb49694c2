"""Personal-data detectors: the real variants people and Excel write, and the cells that are not."""

from __future__ import annotations

import time

import pytest

from schemas.personal_data import holds_personal_data, names_personal_column

PERSONAL = [
    "1 85 05 78 006 084 36", "185057800608436", "1850578006084", "1-85-05-78-006-084-36",
    "1\u00a085\u00a005\u00a078\u00a0006\u00a0084\u00a036", "1.85.05.2A.006.084", "2 85 42 78 006 084 36",
    "patient_185057800608436.csv", "06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78",
    "06/12/34/56/78", "+33 6 12 34 56 78", "+33 (0)6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78",
    "jean.dupont@chu.fr", "jean.dupont (at) chu (dot) fr", "jean [at] chu.fr", "jean arobase chu point fr",
    "M. Dupont né le 12/03/1985", "Mme X née le 3 mars 1950", "né(e) le 01.02.2003", "date de naissance : 01/01/1990",
]  # fmt: skip
NOT_PERSONAL = [
    "Évaluation réalisée", "42", "1 234,5", "2025-T3", "2025-09", "010780195", "2A0000014", "45,5", "UC05",
    "délai moyen 12 min sur 30 patients", "budget 1500000 €", "1 500 000", "0,5", "taux 12.5%",
    "réunion le 12/03/2025", "3000000000", "1e19", "EFF_DELAI_PEC", "voir la note at home",
]  # fmt: skip


@pytest.mark.parametrize("text", PERSONAL)
def test_personal_data_is_detected(text: str) -> None:
    assert holds_personal_data(text)


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_ordinary_cells_are_not_flagged(text: str) -> None:
    assert not holds_personal_data(text)


@pytest.mark.parametrize(
    ("header", "personal"),
    [("nom", True), ("Prénom", True), ("date de naissance", True), ("NIR", True), ("nom_patient", True),
     ("NomPatient", True), ("Téléphone", True), ("Nombre de patients", False), ("Nom du service", False),
     ("Service", False), ("Commentaire", False)],
)  # fmt: skip
def test_columns_naming_people_are_recognised(header: str, personal: bool) -> None:
    assert names_personal_column(header) is personal


def test_detection_is_linear_on_hostile_text() -> None:
    """Python's `re` went quadratic on 200 KB of digits and spaces; a linear engine stays fast."""
    hostile = "é" + "0 6" * 1_000_000  # 3 MB that keeps almost matching a phone number
    started = time.perf_counter()
    holds_personal_data(hostile)
    assert time.perf_counter() - started < 5  # quadratic matching would take hours
