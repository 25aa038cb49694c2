"""The ready-to-fill file establishments download (`tlkpi template`, the portal's « Modèle » page).

A template Excel cannot break: codes, FINESS and periods are text cells (a FINESS keeps its leading
zero, a period is never turned into a date), codes come from drop-down lists, and the sheet to fill
starts empty: nothing to delete before sending. The rules, one example and, for a use case, the KPIs it
may report are on the « À lire » sheet, which opens first.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from schemas.catalogue import Catalogue, Kpi
from schemas.columns import COLUMNS

DIRECTION_FR = {"lower_is_better": "plus bas est mieux", "higher_is_better": "plus haut est mieux"}
KIND_FR = {"rate": "taux", "duration": "durée", "count": "nombre", "score": "score", "amount_eur": "montant"}
DATA_ROWS = 2000  # drop-down lists cover this many rows
TEXT_COLUMNS = ("finess", "cas_usage", "indicateur", "periode", "phase", "commentaire")
DATA_SHEET, README_SHEET = "indicateurs", "À lire"
_FIXED_DATE = datetime(2025, 1, 1)  # workbook metadata: the same template gives the same bytes
EXAMPLE_FINESS = "010780195"

RULES = (
    "Une ligne par mesure : un établissement, un cas d'usage, un indicateur, une période, une phase.",
    "Remplissez la feuille « indicateurs » à partir de la ligne 2, sans modifier la ligne d'en-tête.",
    "FINESS : le FINESS géographique, 9 caractères, zéros initiaux compris (ex. 010780195).",
    "Période : un trimestre (2025-T3) ou un mois (2025-09), écrit comme ici, pas comme une date.",
    "Phase : « reference » (avant le déploiement) ou « pilote » (pendant le pilote).",
    "Valeur : un nombre, virgule ou point décimal, sans unité ni symbole (ex. 12,5).",
    "Taux : renseignez Numérateur et Dénominateur (nombres entiers) ; la Valeur peut rester vide.",
    "Commentaire : 500 caractères au plus, sans aucune donnée personnelle (nom, téléphone, courriel…).",
    "Un fichier est accepté en entier ou refusé en entier ; vérifiez-le sur le portail avant de le déposer.",
    "Enregistrez au format Excel (.xlsx), ou en « CSV UTF-8 » : les deux sont acceptés.",
)


def example_rows(finess: str) -> list[list[str]]:
    """Two filled lines shown on « À lire »: a value, and a rate given by its numerator and denominator."""
    return [
        [finess, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", "42,5", "", "", "40", ""],
        [
            finess,
            "UC01",
            "QUA_READMISSION_30J",
            "2025-09",
            "reference",
            "",
            "5",
            "40",
            "",
            "avant déploiement",
        ],
    ]


def use_case_kpis(catalogue: Catalogue, use_case: str | None) -> list[Kpi]:
    return [kpi for kpi in catalogue.kpis.values() if use_case is None or use_case in kpi.use_cases]


def _kpi_row(kpi: Kpi, catalogue: Catalogue) -> list[str]:
    scope = "tous" if len(kpi.use_cases) == len(catalogue.use_cases) else ", ".join(kpi.use_cases)
    return [
        kpi.code,
        kpi.label,
        catalogue.domains[kpi.domain].label,
        kpi.unit,
        KIND_FR[kpi.kind],
        DIRECTION_FR[kpi.direction],
        f"{kpi.min:g} à {kpi.max:g}",
        "" if kpi.threshold is None else f"{kpi.threshold:g}",
        kpi.definition,
        scope,
    ]


def write_template_csv(catalogue: Catalogue, use_case: str | None = None) -> bytes:
    """CSV as French Excel opens it: UTF-8 with BOM, `;` separator, the labels; no row to delete."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.label for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_template_xlsx(
    path: Path, catalogue: Catalogue, use_case: str | None = None, finess: str | None = None
) -> None:
    """Workbook: `indicateurs` to fill (text cells, drop-downs), `À lire`, `catalogue`, `cas_usage`.

    With `finess`, the FINESS column offers only that number and the example uses it.
    """
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": "Modèle de fichier d'indicateurs", "created": _FIXED_DATE})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE4F0", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet(DATA_SHEET)
    readme = workbook.add_worksheet(README_SHEET)
    kpis = workbook.add_worksheet("catalogue")
    cases = workbook.add_worksheet("cas_usage")
    _write_data_sheet(sheet, bold, text)
    _write_readme(readme, bold, catalogue, use_case, finess or EXAMPLE_FINESS)
    readme.activate()
    _write_catalogue(kpis, cases, bold, catalogue)

    n_kpis, n_cases = len(catalogue.kpis), len(catalogue.use_cases)
    if finess:
        _drop_down(sheet, 0, [finess], f"Le FINESS de votre établissement : {finess}.")
    _drop_down(sheet, 1, f"=cas_usage!$A$2:$A${n_cases + 1}", "Choisissez un code de cas d'usage.")
    _drop_down(
        sheet, 2, f"=catalogue!$A$2:$A${n_kpis + 1}", "Choisissez un code d'indicateur (feuille catalogue)."
    )
    _drop_down(
        sheet, 4, ["reference", "pilote"], "reference : avant déploiement ; pilote : pendant le pilote."
    )
    workbook.close()


def _write_data_sheet(sheet: Worksheet, bold: Format, text: Format) -> None:
    """Header, then the code columns formatted as text: Excel and LibreOffice give a cell typed in such
    a column the column's format. No empty cell is written, so other tools see no blank rows."""
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.label, bold)
        sheet.write_comment(0, col, column.description)
        is_text = column.name in TEXT_COLUMNS
        sheet.set_column(col, col, 16 if column.name != "commentaire" else 40, text if is_text else None)
    sheet.freeze_panes(1, 0)


def _write_readme(
    readme: Worksheet, bold: Format, catalogue: Catalogue, use_case: str | None, finess: str
) -> None:
    ws = readme
    ws.set_column(0, 0, 22)
    ws.set_column(1, 9, 18)
    ws.write_string(0, 0, "Comment remplir ce fichier", bold)
    for row, rule in enumerate(RULES, start=1):
        ws.write_string(row, 0, f"{row}. {rule}")
    at = len(RULES) + 2
    ws.write_string(at, 0, "Exemple (à reproduire dans la feuille « indicateurs », pas ici)", bold)
    ws.write_row(at + 1, 0, [column.label for column in COLUMNS], bold)
    for offset, values in enumerate(example_rows(finess), start=2):
        ws.write_row(at + offset, 0, values)
    at += 5
    title = f"Indicateurs du cas d'usage {use_case}" if use_case else "Indicateurs du catalogue"
    ws.write_string(at, 0, title, bold)
    ws.write_row(at + 1, 0, ["Code", "Libellé", "Unité", "Plage plausible"], bold)
    for offset, kpi in enumerate(use_case_kpis(catalogue, use_case), start=2):
        ws.write_row(at + offset, 0, [kpi.code, kpi.label, kpi.unit, f"{kpi.min:g} à {kpi.max:g}"])


def _write_catalogue(kpis: Worksheet, cases: Worksheet, bold: Format, catalogue: Catalogue) -> None:
    header = [
        "Code",
        "Libellé",
        "Domaine",
        "Unité",
        "Nature",
        "Sens",
        "Plage plausible",
        "Seuil",
        "Définition",
        "Cas d'usage",
    ]
    kpis.write_row(0, 0, header, bold)
    for row, kpi in enumerate(catalogue.kpis.values(), start=1):
        kpis.write_row(row, 0, _kpi_row(kpi, catalogue))
    kpis.set_column(0, 0, 30)
    kpis.set_column(1, 1, 40)
    kpis.set_column(8, 8, 80)
    cases.write_row(0, 0, ["Code", "Libellé"], bold)
    for row, case in enumerate(catalogue.use_cases.values(), start=1):
        cases.write_row(row, 0, [case.code, case.label])
    cases.set_column(1, 1, 70)


def _drop_down(sheet: Worksheet, col: int, source: str | list[str], message: str) -> None:
    sheet.data_validation(
        1, col, DATA_ROWS, col,
        {"validate": "list", "source": source, "input_title": "Valeur attendue", "input_message": message,
         "error_title": "Valeur inconnue", "error_message": message},
    )  # fmt: skip
