"""XLSX files whose loaded values would differ from what a person sees when opening them."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

LABELS = ["FINESS", "Cas d'usage", "Indicateur", "Période", "Phase", "Valeur", "Effectif"]


def measure(finess: str, value: object, phase: str = "pilote") -> list[object]:
    return [finess, "UC05", "EFF_DELAI_PEC", "2025-T3", phase, value, 40]


def workbook(build: Callable[[xlsxwriter.Workbook], None]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    build(book)
    book.close()
    return buffer.getvalue()


def sheet_of(book: xlsxwriter.Workbook, name: str, rows: list[list[object]]) -> Worksheet:
    sheet = book.add_worksheet(name)
    for number, values in enumerate([LABELS, *rows]):
        sheet.write_row(number, 0, values)
    return sheet


def hidden_data_sheet(finess: str) -> bytes:
    """A visible first sheet with 42, the `indicateurs` sheet, hidden, with 99."""

    def build(book: xlsxwriter.Workbook) -> None:
        sheet_of(book, "Synthèse", [measure(finess, 42)])
        sheet_of(book, "indicateurs", [measure(finess, 99)]).hide()

    return workbook(build)


def hidden_row(finess: str) -> bytes:
    def build(book: xlsxwriter.Workbook) -> None:
        sheet = sheet_of(book, "indicateurs", [measure(finess, 42), measure(finess, 99, "reference")])
        sheet.set_row(2, None, None, {"hidden": True})

    return workbook(build)


def hidden_column(finess: str) -> bytes:
    def build(book: xlsxwriter.Workbook) -> None:
        sheet = sheet_of(book, "indicateurs", [measure(finess, 42)])
        sheet.write_row(0, 7, ["Valeur"])  # a second "Valeur" hidden far right: the one loaded?
        sheet.set_column(5, 5, None, None, {"hidden": True})

    return workbook(build)


def two_sheets_named_alike(finess: str) -> bytes:
    def build(book: xlsxwriter.Workbook) -> None:
        sheet_of(book, "indicateurs", [measure(finess, 42)])
        sheet_of(book, " Indicateurs ", [measure(finess, 99)])

    return workbook(build)


def formula(finess: str, cached: object, recalculate: bool = True) -> bytes:
    """The value as a formula `=40+2` with `cached` saved as its value (None: no value saved)."""

    def build(book: xlsxwriter.Workbook) -> None:
        sheet = sheet_of(book, "indicateurs", [measure(finess, 0)])
        sheet.write_formula(1, 5, "=40+2", None, cached if cached is not None else 0)

    data = workbook(build)
    if cached is None:
        data = rewrite(
            data, "xl/worksheets/sheet1.xml", lambda xml: re.sub(r"(</f>)<v>[^<]*</v>", r"\1", xml)
        )
    if not recalculate:  # as saved by a spreadsheet: its values are computed, nothing asks to recalculate
        data = rewrite(data, "xl/workbook.xml", lambda xml: xml.replace(' fullCalcOnLoad="1"', ""))
    return data


def rewrite(data: bytes, member: str, change: Callable[[str], str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, content)
    return buffer.getvalue()
