"""Write demo KPI rows as establishments really send them (CSV variants, XLSX, Parquet), mistakes included.

Every writer produces the same bytes for the same rows, so the demo is reproducible.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from intake.reception import record_sighting
from schemas.columns import BY_NAME, COLUMN_NAMES

CSV_UTF8 = "csv_utf8"
CSV_EXCEL_FR = "csv_excel_fr"
CSV_BOM_EN = "csv_bom_en"
XLSX = "xlsx"
PARQUET = "parquet"
FORMATS = (CSV_UTF8, CSV_EXCEL_FR, CSV_BOM_EN, XLSX, PARQUET)
FILE_NAMES = {
    CSV_UTF8: "kpi_{uc}_{phase}_{year}.csv",
    CSV_EXCEL_FR: "indicateurs_{uc}_{phase}_{year}.csv",
    CSV_BOM_EN: "kpi_export_{uc}_{year}.csv",
    XLSX: "tableau_de_bord_{uc}_{year}.xlsx",
    PARQUET: "{finess}_{uc}_{year}.parquet",
}
FIXED_CREATED = datetime(2026, 1, 15, 9, 0, 0)
NOTICE_LINES = (
    "Remontée des indicateurs – tiers-lieux d'expérimentation",
    "Remplir l'onglet « indicateurs » : une ligne par mesure (établissement, cas d'usage, indicateur, "
    "période, phase).",
    "Taux : indiquer le numérateur et le dénominateur ; la valeur est alors calculée.",
    "Ne saisir aucune donnée personnelle dans les commentaires.",
)
Cell = str | float | None
_TEXT_COLUMNS = ("finess", "cas_usage", "indicateur", "periode", "phase", "commentaire")
_INT_COLUMNS = ("numerateur", "denominateur", "effectif")


@dataclass(frozen=True)
class DemoRow:
    """One measurement as an establishment writes it (phase and period keep the sender's spelling)."""

    finess: str
    cas_usage: str
    indicateur: str
    periode: str
    phase: str
    valeur: float | None = None
    numerateur: int | None = None
    denominateur: int | None = None
    effectif: int | None = None
    commentaire: str | None = None


def format_number(value: float | int | None, *, decimal_comma: bool = False) -> str:
    """Text of a number as a spreadsheet would export it: no trailing '.0', optional decimal comma."""
    if value is None:
        return ""
    text = str(int(value)) if float(value).is_integer() else str(value)
    return text.replace(".", ",") if decimal_comma else text


def _cell_text(value: Cell, *, decimal_comma: bool) -> str:
    if isinstance(value, str):
        return value
    return format_number(value, decimal_comma=decimal_comma)


def _header(columns: Sequence[str], style: str) -> list[str]:
    if style == "label":
        return [BY_NAME[name].label for name in columns]
    if style == "alias":
        return [BY_NAME[name].alias for name in columns]
    return list(columns)


def _row_values(row: DemoRow, columns: Sequence[str]) -> list[Cell]:
    return [getattr(row, name) for name in columns]


def render_csv(
    rows: Sequence[DemoRow],
    columns: Sequence[str],
    *,
    delimiter: str = ",",
    header_style: str = "name",
    decimal_comma: bool = False,
    line_end: str = "\n",
) -> str:
    """The CSV text of the rows, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(_header(columns, header_style))
    for row in rows:
        writer.writerow(
            [_cell_text(value, decimal_comma=decimal_comma) for value in _row_values(row, columns)]
        )
    return buffer.getvalue()


def write_csv_utf8(path: Path, rows: Sequence[DemoRow], columns: Sequence[str]) -> None:
    """Plain CSV: UTF-8, comma, canonical headers, '.' decimals."""
    path.write_bytes(render_csv(rows, columns).encode("utf-8"))


def write_csv_excel_fr(path: Path, rows: Sequence[DemoRow], columns: Sequence[str]) -> None:
    """A French Excel 'CSV (séparateur : point-virgule)' export: cp1252, ';', decimal comma, CRLF."""
    text = render_csv(rows, columns, delimiter=";", header_style="label", decimal_comma=True, line_end="\r\n")
    path.write_bytes(text.encode("cp1252"))


def write_csv_bom_en(path: Path, rows: Sequence[DemoRow], columns: Sequence[str]) -> None:
    """CSV from an English-speaking tool: UTF-8 with BOM, English alias headers."""
    path.write_bytes(render_csv(rows, columns, header_style="alias").encode("utf-8-sig"))


def write_xlsx(
    path: Path,
    rows: Sequence[DemoRow],
    columns: Sequence[str],
    *,
    notice: bool = False,
    sheet_name: str = "indicateurs",
) -> None:
    """A workbook with the rows on one sheet (codes and FINESS as text), optionally after a notice."""
    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True})
    workbook.set_properties({"created": FIXED_CREATED, "author": "tlkpi démo"})
    if notice:
        sheet = workbook.add_worksheet("Notice")
        for index, text in enumerate(NOTICE_LINES):
            sheet.write_string(index, 0, text)
    sheet = workbook.add_worksheet(sheet_name)
    for col, label in enumerate(_header(columns, "label")):
        sheet.write_string(0, col, label)
    for line, row in enumerate(rows, start=1):
        for col, value in enumerate(_row_values(row, columns)):
            if isinstance(value, str):
                sheet.write_string(line, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(line, col, value)
    workbook.close()


def write_parquet(path: Path, rows: Sequence[DemoRow], columns: Sequence[str]) -> None:
    """Parquet with string columns for codes, float64 values and int64 counts."""
    table_rows = [_row_values(row, columns) for row in rows]
    arrays = {}
    for index, name in enumerate(columns):
        if name in _TEXT_COLUMNS:
            kind = pa.string()
        elif name in _INT_COLUMNS:
            kind = pa.int64()
        else:
            kind = pa.float64()
        arrays[name] = pa.array([values[index] for values in table_rows], type=kind)
    pq.write_table(pa.table(arrays), path)


def write_kpi_file(
    path: Path,
    rows: Sequence[DemoRow],
    file_format: str,
    *,
    columns: Sequence[str] = COLUMN_NAMES,
    notice: bool = False,
    sheet_name: str = "indicateurs",
) -> None:
    """Write the rows at `path` in one of FORMATS, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if file_format == XLSX:
        write_xlsx(path, rows, columns, notice=notice, sheet_name=sheet_name)
        return
    writers = {
        CSV_UTF8: write_csv_utf8,
        CSV_EXCEL_FR: write_csv_excel_fr,
        CSV_BOM_EN: write_csv_bom_en,
        PARQUET: write_parquet,
    }
    writers[file_format](path, rows, columns)


def write_plain_csv(path: Path, header: Sequence[str], table: Sequence[Sequence[str]]) -> None:
    """A small UTF-8, comma-separated reference table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([header, *table])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def as_finished_uploads(inbox: Path, seconds_ago: float = 60.0) -> None:
    """Record the demo files as seen by a run a minute back, in the order written: uploads that have
    settled, so the ingest run that follows takes them (it leaves files it has not seen unchanged for
    TLKPI_SETTLE_SECONDS)."""
    written = sorted((p for p in inbox.rglob("*") if p.is_file()), key=lambda p: (p.stat().st_mtime_ns, p))
    for path in written:
        record_sighting(inbox, path, time.time() - seconds_ago)


# What senders do to their rows: a cp1252 comment, and the mistakes of the broken demo files.


def ensure_comment(rows: list[DemoRow]) -> list[DemoRow]:
    """French Excel exports of the demo always carry an accented comment, to exercise cp1252."""
    if any(row.commentaire for row in rows):
        return rows
    return [replace(rows[0], commentaire="Données consolidées après contrôle qualité"), *rows[1:]]


def mistype_finess(rows: list[DemoRow]) -> list[DemoRow]:
    """The check key typed wrong (last digit + 1) on every row."""
    finess = rows[0].finess
    wrong = finess[:-1] + str((int(finess[-1]) + 1) % 10)
    return [replace(row, finess=wrong) for row in rows]


def overshoot_score(rows: list[DemoRow]) -> list[DemoRow]:
    """The last satisfaction score entered on the wrong scale (112 / 100)."""
    last = max(i for i, row in enumerate(rows) if row.indicateur == "QUA_SATISFACTION")
    return [replace(row, valeur=112.0) if i == last else row for i, row in enumerate(rows)]


def misspell_kpi(rows: list[DemoRow]) -> list[DemoRow]:
    """A KPI code typed by hand in the singular."""
    wrong = {"ECO_DEPENSES_EVITEES": "ECO_DEPENSE_EVITEE"}
    return [replace(row, indicateur=wrong.get(row.indicateur, row.indicateur)) for row in rows]


def keep_first_kpi(rows: list[DemoRow]) -> list[DemoRow]:
    """The rows of one KPI only, so keys stay unique once the 'indicateur' column is gone."""
    return [row for row in rows if row.indicateur == rows[0].indicateur]
