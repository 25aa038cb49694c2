"""The columns of the file contract (v1): canonical names, template labels, aliases, header matching."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    alias: str
    required: bool
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("finess", "FINESS", "finess", True, "FINESS géographique de l'établissement (9 caractères)."),
    Column("cas_usage", "Cas d'usage", "use_case", True, "Code du cas d'usage (UC01 à UC17)."),
    Column("indicateur", "Indicateur", "kpi", True, "Code de l'indicateur du catalogue."),
    Column("periode", "Période", "period", True, "Trimestre (2025-T3) ou mois (2025-09)."),
    Column("phase", "Phase", "phase", True, "« reference » (avant déploiement) ou « pilote »."),
    Column("valeur", "Valeur", "value", False, "Valeur mesurée ; virgule ou point décimal."),
    Column("numerateur", "Numérateur", "numerator", False, "Numérateur (indicateurs en taux)."),
    Column("denominateur", "Dénominateur", "denominator", False, "Dénominateur (indicateurs en taux)."),
    Column("effectif", "Effectif", "n", False, "Nombre de patients ou de cas derrière la valeur."),
    Column(
        "commentaire",
        "Commentaire",
        "comment",
        False,
        "Texte libre, 500 caractères au plus, sans donnée personnelle.",
    ),
)
COLUMN_NAMES = tuple(column.name for column in COLUMNS)
REQUIRED = tuple(column.name for column in COLUMNS if column.required)
BY_NAME = {column.name: column for column in COLUMNS}

PHASES = {
    "reference": "reference",
    "référence": "reference",
    "baseline": "reference",
    "pilote": "pilote",
    "pilot": "pilote",
}


def normalize_header(text: str) -> str:
    """Compare headers ignoring case, accents, spaces, apostrophes and '_' / '-'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "".join(char for char in plain.lower() if char not in " \t'’`_-")


_LOOKUP = {
    normalize_header(spelling): column.name
    for column in COLUMNS
    for spelling in (column.name, column.label, column.alias)
}


def canonical_name(header: str) -> str | None:
    """The canonical column a header stands for, or None when it is not part of the contract."""
    return _LOOKUP.get(normalize_header(header))


def normalize_phase(text: str) -> str | None:
    return PHASES.get(text.strip().lower())
