"""An XLSX as a person sees it in Excel, checked before its cells are read.

What a reader does not see must not be loaded: the sheet taken must be visible and the only one of its
name (up to case and spaces); no hidden row or column may hold a value; and every formula must carry the
value the spreadsheet computed and saved (a formula without it, or in a workbook that asks to be
recalculated on opening, would be loaded with a missing or stale number). Read with the standard
library's streaming XML parser from the zip (its size is already bounded), one element at a time.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, iterparse

from schemas.budget import Deadline
from tlkpi.errors import SubmissionError

SHEET_NAME = "indicateurs"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL = re.compile(r"([A-Z]+)(\d+)")
_CHECK_EVERY = 10_000  # elements between two looks at the time budget


def _local(tag: str) -> str:
    """The tag without its namespace (transitional and strict OOXML use different ones)."""
    return tag.rsplit("}", 1)[-1]


def _normalised(name: str) -> str:
    return " ".join(name.split()).lower()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _refuse(path: Path, rule: str, message: str, row: int | None = None, column: str | None = None) -> None:
    raise SubmissionError(message, path=str(path), row=row, column=column, rule=rule)


def _elements(archive: zipfile.ZipFile, member: str) -> Iterator[tuple[str, Element]]:
    with archive.open(member) as stream:
        yield from iterparse(stream, events=("start", "end"))


def check_as_seen(path: Path, deadline: Deadline) -> None:
    """Refuse what a reader of the workbook would not see (hidden sheet, row, column), a name shared by
    two sheets, and formulas whose value was not computed by the spreadsheet."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheets, recalculate = _workbook(archive)
            if not sheets:
                return  # calamine says what is wrong with a workbook without sheets
            chosen = _choose_sheet(path, sheets)
            member = _sheet_member(archive, chosen[2])
            if member is not None:
                _check_sheet(path, archive, member, chosen[0], recalculate, deadline)
    except (KeyError, zipfile.BadZipFile, SyntaxError):
        return  # a malformed workbook is refused by the reader with its own message


def _workbook(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str, str]], bool]:
    """(name, state, relationship id) of each sheet in order; whether the writer asks to recalculate."""
    sheets: list[tuple[str, str, str]] = []
    recalculate = False
    for event, element in _elements(archive, "xl/workbook.xml"):
        if event != "end":
            continue
        tag = _local(element.tag)
        if tag == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            sheets.append((element.get("name", ""), element.get("state", "visible"), rid))
        elif tag == "calcPr":
            recalculate = element.get("fullCalcOnLoad") in ("1", "true")
    return sheets, recalculate


def _choose_sheet(path: Path, sheets: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    named = [sheet for sheet in sheets if _normalised(sheet[0]) == SHEET_NAME]
    if len(named) > 1:
        names = " et ".join(f"« {name} »" for name, _, _ in named)
        _refuse(
            path,
            "feuilles_en_double",
            f"Le classeur a plusieurs feuilles nommées {names} (seules la casse ou les espaces "
            "diffèrent) : on ne peut pas savoir laquelle contient vos mesures. Gardez une seule feuille "
            "« indicateurs » et renommez ou supprimez les autres.",
        )
    chosen = named[0] if named else sheets[0]
    if chosen[1] != "visible":
        _refuse(
            path,
            "feuille_masquee",
            f"La feuille « {chosen[0]} », dont les mesures seraient lues, est masquée : ce ne sont pas "
            "les chiffres que l'on voit en ouvrant le classeur. Affichez-la (clic droit sur un onglet, "
            "« Afficher ») et vérifiez-la, ou supprimez-la, puis déposez le fichier à nouveau.",
        )
    return chosen


def _sheet_member(archive: zipfile.ZipFile, rid: str) -> str | None:
    for event, element in _elements(archive, "xl/_rels/workbook.xml.rels"):
        if event == "end" and _local(element.tag) == "Relationship" and element.get("Id") == rid:
            target = element.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def _check_sheet(
    path: Path, archive: zipfile.ZipFile, member: str, name: str, recalculate: bool, deadline: Deadline
) -> None:
    hidden_columns: set[int] = set()
    row_hidden = False
    cell: dict[str, object] = {}
    for count, (event, element) in enumerate(_elements(archive, member)):
        if count % _CHECK_EVERY == 0:
            deadline.check()
        tag = _local(element.tag)
        if event == "start":
            if tag == "row":
                row_hidden = element.get("hidden") in ("1", "true")
            elif tag == "c":
                cell = {"ref": element.get("r", ""), "formula": False, "value": False}
            continue
        if tag == "col" and element.get("hidden") in ("1", "true"):
            hidden_columns.update(range(int(element.get("min", "0")), int(element.get("max", "0")) + 1))
        elif tag == "f":
            cell["formula"] = True
        elif tag in ("v", "is") and (element.text or len(element)):
            cell["value"] = True
        elif tag == "c":
            _check_cell(path, name, cell, row_hidden, hidden_columns, recalculate)
        elif tag == "row":
            element.clear()


def _check_cell(
    path: Path,
    sheet: str,
    cell: dict[str, object],
    row_hidden: bool,
    hidden_columns: set[int],
    recalculate: bool,
) -> None:
    found = _CELL.fullmatch(str(cell["ref"]))
    letters, row = (found.group(1), int(found.group(2))) if found else ("?", None)
    if cell["formula"] and (not cell["value"] or recalculate):
        _refuse(
            path,
            "formule_non_calculee",
            f"La cellule {letters}{row or ''} de la feuille « {sheet} » contient une formule dont la valeur "
            "n'a pas été calculée et enregistrée par le tableur : la valeur lue serait absente ou périmée. "
            "Ouvrez le fichier dans Excel ou LibreOffice et enregistrez-le, ou remplacez les formules par "
            "leurs valeurs (Copier, puis Collage spécial > Valeurs), puis déposez-le à nouveau.",
            row,
            letters,
        )
    if cell["value"] and (row_hidden or (found and _column_number(letters) in hidden_columns)):
        what = f"la ligne {row}" if row_hidden else f"la colonne {letters}"
        _refuse(
            path,
            "contenu_masque",
            f"Dans la feuille « {sheet} », {what} est masquée mais contient des données (cellule "
            f"{letters}{row or ''}) : ce ne sont pas les chiffres que l'on voit. Affichez les lignes et "
            "colonnes masquées, supprimez celles qui ne doivent pas être envoyées, puis déposez le "
            "fichier à nouveau.",
            row,
            letters,
        )
