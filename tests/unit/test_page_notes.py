"""The footnotes of the use-case pages say which figures a withholding reason concerns: a row that
publishes its pilot mean but not its reference must not read « Moyennes … non publiés »."""

from __future__ import annotations

from reports.site.pages import build_notes
from tests.support.cells import benchmark_cell

SERIES = "référence non republiée : moins de 3 établissements entrés ou sortis depuis sa dernière publication"
SECONDARY = "secret secondaire : protège une autre case"


def test_a_row_without_its_reference_says_only_the_reference_is_withheld() -> None:
    notes = build_notes(
        [
            benchmark_cell(pilot_mean=71.0, baseline_mean=None, linear_withheld_reason=SERIES),
            benchmark_cell(pilot_mean=64.0, baseline_mean=None, linear_withheld_reason=SECONDARY),
        ]
    )
    assert [note.sentence for note in notes] == [
        f"Moyenne de référence et évolution non publiées (la moyenne pilote l'est) : {SERIES}.",
        f"Moyenne de référence et évolution non publiées (la moyenne pilote l'est) : {SECONDARY}.",
    ]


def test_a_row_without_its_means_says_the_means_are_withheld() -> None:
    dominated = "un établissement pèse plus de 85 % de la case"
    (note,) = build_notes(
        [benchmark_cell(pilot_mean=None, baseline_mean=None, linear_withheld_reason=dominated)]
    )
    assert note.sentence == f"Moyennes, taux global et parts non publiés : {dominated}."
