"""The file contract as a Table Schema (the format of schema.data.gouv.fr), built from the catalogue."""

from __future__ import annotations

import re
from typing import Any

from schemas.catalogue import Catalogue
from schemas.columns import BY_NAME, COLUMNS, PHASES, Column
from schemas.finess import FINESS_PATTERN
from schemas.periods import PERIOD_PATTERN

CONTRACT_VERSION = "1.1.0"
# One schema per header style the contract accepts: standard tools match a header to a field by its exact
# name. The template's French labels are written by French Excel, hence its decimal comma.
HEADER_STYLES = ("labels", "names", "aliases")
DECIMAL_CHAR = {"labels": ",", "names": ".", "aliases": "."}
KEY = ("finess", "cas_usage", "indicateur", "periode", "phase")
_TYPES = {"valeur": "number", "numerateur": "integer", "denominateur": "integer", "effectif": "integer"}


def any_case(word: str) -> str:
    """A regular expression matching `word` in any case ('pilote' -> '[pP][iI]…'): enums are exact."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _field_constraints(name: str, catalogue: Catalogue) -> dict[str, Any]:
    phases = "|".join(any_case(spelling) for spelling in sorted(PHASES))
    constraints: dict[str, dict[str, Any]] = {
        "finess": {"pattern": FINESS_PATTERN},
        "cas_usage": {"enum": sorted(catalogue.use_cases)},
        "indicateur": {"enum": sorted(catalogue.kpis)},
        "periode": {"pattern": PERIOD_PATTERN},
        "phase": {"pattern": f"^\\s*(?:{phases})\\s*$"},
        "numerateur": {"minimum": 0},
        "denominateur": {"minimum": 1},
        "effectif": {"minimum": 0},
        "commentaire": {"maxLength": 500},
    }
    return constraints.get(name, {})


def header_of(column: Column, headers: str) -> str:
    return {"labels": column.label, "names": column.name, "aliases": column.alias}[headers]


def table_schema(catalogue: Catalogue, headers: str = "labels") -> dict[str, Any]:
    """A Table Schema descriptor for files whose header is written in `headers` style (the template's
    French labels by default): one field per contract column, in the template's order."""
    fields = []
    for column in COLUMNS:
        constraints = {"required": column.required, **_field_constraints(column.name, catalogue)}
        field: dict[str, Any] = {
            "name": header_of(column, headers),
            "title": column.label,
            "description": f"{column.description.rstrip('.')} (colonne « {column.name} » du contrat).",
            "type": _TYPES.get(column.name, "string"),
            "example": _EXAMPLES[column.name],
            "constraints": constraints,
        }
        if column.name == "valeur":
            field["decimalChar"] = DECIMAL_CHAR[headers]
        fields.append(field)
    suffix = "" if headers == "labels" else f"-{headers}"
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": f"tlkpi-indicateurs{suffix}",
        "title": "Indicateurs de performance des expérimentations en santé numérique",
        "description": (
            "Une ligne par mesure (format long) : établissement (FINESS géographique), cas d'usage, "
            "indicateur, période, phase (référence ou pilote) et valeur. En-têtes : "
            f"{_STYLE_FR[headers]}. Les règles non exprimables ici (clé de contrôle FINESS, indicateur "
            "autorisé pour le cas d'usage, période non future, valeur = 100 × numérateur / dénominateur "
            "pour les taux, plage plausible par indicateur, unicité de la mesure, absence de donnée "
            "personnelle) sont vérifiées par le portail de dépôt (« Vérifier sans déposer »)."
        ),
        "version": CONTRACT_VERSION,
        "missingValues": [""],
        "fields": fields,
        "primaryKey": [header_of(BY_NAME[name], headers) for name in KEY],
    }


_STYLE_FR = {
    "labels": "les libellés du modèle (FINESS, Cas d'usage, Période…), virgule décimale",
    "names": "les noms courts du contrat (finess, cas_usage, periode…), point décimal",
    "aliases": "les noms anglais (finess, use_case, period…), point décimal",
}


_EXAMPLES: dict[str, str | int | float] = {
    "finess": "010780195",
    "cas_usage": "UC05",
    "indicateur": "QUA_READMISSION_30J",
    "periode": "2025-T3",
    "phase": "pilote",
    "valeur": 12.5,
    "numerateur": 5,
    "denominateur": 40,
    "effectif": 40,
    "commentaire": "Données extraites du DPI",
}
