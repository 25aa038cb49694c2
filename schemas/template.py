"""The ready-to-fill file establishments download (`tlkpi template`): French labels, drop-down lists."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import xlsxwriter

from schemas.catalogue import Catalogue, Kpi
from schemas.columns import COLUMNS

DIRECTION_FR = {"lower_is_better": "plus bas est mieux", "higher_is_better": "plus haut est mieux"}
KIND_FR = {"rate": "taux", "duration": "durée", "count": "nombre", "score": "score", "amount_eur": "montant"}
DATA_ROWS = 2000  # drop-down lists and text format cover this many rows
_FIXED_DATE = datetime(2025, 1, 1)  # workbook metadata: the same template gives the same bytes


def template_rows(catalogue: Catalogue, use_case: str | None) -> list[list[str]]:
    """Pre-filled rows for a use case (one per KPI it may report), else none."""
    if use_case is None:
        return []
    kpis = [kpi for kpi in catalogue.kpis.values() if use_case in kpi.use_cases]
    return [["", use_case, kpi.code, "", "pilote", "", "", "", "", ""] for kpi in kpis]


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


def write_template_csv(catalogue: Catalogue, use_case: str | None) -> bytes:
    """CSV as French Excel opens it: UTF-8 with BOM, `;` separator, the template's labels."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.label for column in COLUMNS])
    writer.writerows(template_rows(catalogue, use_case))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_template_xlsx(path: Path, catalogue: Catalogue, use_case: str | None) -> None:
    """Workbook: `indicateurs` to fill (drop-downs for codes), `catalogue` and `cas_usage` to read."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": "Modèle de fichier d'indicateurs", "created": _FIXED_DATE})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE4F0", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    sheet = workbook.add_worksheet("indicateurs")
    kpis = workbook.add_worksheet("catalogue")
    cases = workbook.add_worksheet("cas_usage")

    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.label, bold)
        sheet.write_comment(0, col, column.description)
        sheet.set_column(col, col, 16 if column.name != "commentaire" else 40, text if col < 5 else None)
    for row, values in enumerate(template_rows(catalogue, use_case), start=1):
        for col, value in enumerate(values):
            if value:
                sheet.write_string(row, col, value)
    sheet.freeze_panes(1, 0)

    kpi_header = [
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
    kpis.write_row(0, 0, kpi_header, bold)
    for row, kpi in enumerate(catalogue.kpis.values(), start=1):
        kpis.write_row(row, 0, _kpi_row(kpi, catalogue))
    kpis.set_column(0, 0, 30)
    kpis.set_column(1, 1, 40)
    kpis.set_column(8, 8, 80)
    cases.write_row(0, 0, ["Code", "Libellé"], bold)
    for row, case in enumerate(catalogue.use_cases.values(), start=1):
        cases.write_row(row, 0, [case.code, case.label])
    cases.set_column(1, 1, 70)

    n_kpis, n_cases = len(catalogue.kpis), len(catalogue.use_cases)
    _drop_down(sheet, 1, f"=cas_usage!$A$2:$A${n_cases + 1}", "Choisissez un code de cas d'usage.")
    _drop_down(
        sheet, 2, f"=catalogue!$A$2:$A${n_kpis + 1}", "Choisissez un code d'indicateur (feuille catalogue)."
    )
    _drop_down(
        sheet, 4, ["reference", "pilote"], "reference : avant déploiement ; pilote : pendant le pilote."
    )
    workbook.close()


def _drop_down(sheet: object, col: int, source: str | list[str], message: str) -> None:
    sheet.data_validation(  # type: ignore[attr-defined]
        1, col, DATA_ROWS, col,
        {"validate": "list", "source": source, "input_title": "Valeur attendue", "input_message": message,
         "error_title": "Valeur inconnue", "error_message": message},
    )  # fmt: skip
