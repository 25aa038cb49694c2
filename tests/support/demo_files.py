"""An independent reading of the demo's files: their rows as a reader sees them, and the rules of the file
contract (v1) each breaks, named as the validator names them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from schemas.catalogue import default_catalogue
from schemas.columns import COLUMN_NAMES, REQUIRED, canonical_name, normalize_phase
from schemas.finess import is_valid_finess
from schemas.periods import Period, parse_period

LAST_ALLOWED = Period(2025, 4, 12)
NUMBER_COLUMNS = ("valeur", "numerateur", "denominateur", "effectif")


def decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


@dataclass(frozen=True)
class Row:
    finess: str
    cas_usage: str
    indicateur: str
    periode: str
    phase: str
    valeur: float | None
    numerateur: float | None
    denominateur: float | None
    effectif: float | None
    commentaire: str

    @property
    def key(self) -> tuple[str, str, str, Period | None, str | None]:
        period, phase = parse_period(self.periode), normalize_phase(self.phase)
        return (self.finess, self.cas_usage, self.indicateur, period, phase)

    @property
    def measured(self) -> float:
        if self.valeur is not None:
            return self.valeur
        assert self.numerateur is not None and self.denominateur
        return 100 * self.numerateur / self.denominateur


def read_cells(path: Path) -> list[list[Any]]:
    """Header and rows as a reader would see them, cells as text or numbers."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return [table.column_names, *[list(row.values()) for row in table.to_pylist()]]
    if path.suffix == ".xlsx":
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        sheet = "indicateurs" if "indicateurs" in names else names[0]
        return list(workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
    text = decode_csv(path.read_bytes())
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def to_number(cell: Any) -> float | None:
    if cell is None or cell == "":
        return None
    return float(cell.replace(",", ".")) if isinstance(cell, str) else float(cell)


def read_rows(path: Path) -> tuple[list[str | None], list[Row]]:
    """Canonical header and rows; a missing column reads as empty."""
    header, *body = read_cells(path)
    names = [canonical_name(str(label)) for label in header]
    rows = []
    for cells in body:
        found = {name: cell for name, cell in zip(names, cells, strict=True) if name is not None}
        fields = {
            name: to_number(found.get(name)) if name in NUMBER_COLUMNS else str(found.get(name) or "")
            for name in COLUMN_NAMES
        }
        rows.append(Row(**fields))  # type: ignore[arg-type]
    return names, rows


def is_whole(number: float | None) -> bool:
    return number is not None and number >= 0 and number.is_integer()


def check_value(row: Row) -> set[str]:
    kpi = default_catalogue().kpis[row.indicateur]
    value, num, den = row.valeur, row.numerateur, row.denominateur
    problems = set()
    if row.effectif is not None and not is_whole(row.effectif):
        problems.add("effectif_invalide")
    if kpi.is_rate:
        if num is None or den is None or not (is_whole(num) and is_whole(den) and den > 0):
            return problems | {"taux_sans_numerateur"}
        if num > den:
            return problems | {"numerateur_superieur_denominateur"}
        if value is not None and abs(value - 100 * num / den) > 0.05:
            problems.add("valeur_incoherente")
    if row.valeur is None and not kpi.is_rate:
        return problems | {"valeur_manquante"}
    if not kpi.min <= row.measured <= kpi.max:
        problems.add("valeur_hors_plage")
    return problems


def check_row(row: Row, folder: str | None) -> set[str]:
    """The rules of the file contract (v1) one row breaks, named as the validator names them."""
    catalogue = default_catalogue()
    problems = set()
    if not is_valid_finess(row.finess):
        problems.add("finess_cle")
    elif folder is not None and row.finess != folder:
        problems.add("finess_hors_dossier")
    if row.cas_usage not in catalogue.use_cases:
        problems.add("cas_usage_inconnu")
    period = parse_period(row.periode)
    if period is None or period.start > LAST_ALLOWED.start:
        problems.add("periode_invalide")
    if normalize_phase(row.phase) is None:
        problems.add("phase_invalide")
    if len(row.commentaire) > 500:
        problems.add("commentaire_trop_long")
    if row.indicateur not in catalogue.kpis:
        return problems | {"indicateur_inconnu"}
    if (row.cas_usage, row.indicateur) not in catalogue.allowed_pairs():
        problems.add("indicateur_non_autorise")
    return problems | check_value(row)


def violations(root: Path, relative: str) -> set[str]:
    """Every rule a demo file breaks: the accepted ones must break none."""
    path = root / relative
    if path.stat().st_size == 0:
        return {"fichier_vide"}
    names, rows = read_rows(path)
    if any(column not in names for column in REQUIRED):
        return {"colonne_manquante"}
    folder = None if path.parent == root / "inbox" else path.parent.name
    problems: set[str] = set()
    for row in rows:
        problems |= check_row(row, folder)
    if len({row.key for row in rows}) < len(rows):
        problems.add("cle_dupliquee")
    return problems
