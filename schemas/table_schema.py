"""The file contract as a Table Schema (the format of schema.data.gouv.fr), built from the catalogue."""

from __future__ import annotations

from typing import Any

from schemas.catalogue import Catalogue
from schemas.columns import COLUMNS, PHASES
from schemas.finess import FINESS_PATTERN
from schemas.periods import PERIOD_PATTERN

CONTRACT_VERSION = "1.0.0"
_NUMBER = r"^-?[0-9]+([.,][0-9]+)?$"  # decimal point or comma, as French exports write it


def _field_constraints(name: str, catalogue: Catalogue) -> dict[str, Any]:
    constraints: dict[str, dict[str, Any]] = {
        "finess": {"pattern": FINESS_PATTERN},
        "cas_usage": {"enum": sorted(catalogue.use_cases)},
        "indicateur": {"enum": sorted(catalogue.kpis)},
        "periode": {"pattern": PERIOD_PATTERN},
        "phase": {"enum": sorted(PHASES)},
        "valeur": {"pattern": _NUMBER},
        "numerateur": {"minimum": 0},
        "denominateur": {"minimum": 1},
        "effectif": {"minimum": 0},
        "commentaire": {"maxLength": 500},
    }
    return constraints.get(name, {})


_TYPES = {"numerateur": "integer", "denominateur": "integer", "effectif": "integer"}


def table_schema(catalogue: Catalogue) -> dict[str, Any]:
    """A Table Schema descriptor: one field per contract column, in the template's order."""
    fields = []
    for column in COLUMNS:
        constraints = {"required": column.required, **_field_constraints(column.name, catalogue)}
        fields.append(
            {
                "name": column.name,
                "title": column.label,
                "description": column.description,
                "type": _TYPES.get(column.name, "string"),
                "example": _EXAMPLES[column.name],
                "constraints": constraints,
            }
        )
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "name": "tlkpi-indicateurs",
        "title": "Indicateurs de performance des expérimentations en santé numérique",
        "description": (
            "Une ligne par mesure (format long) : établissement (FINESS géographique), cas d'usage, "
            "indicateur, période, phase (référence ou pilote) et valeur. Les règles non exprimables ici "
            "(clé de contrôle FINESS, indicateur autorisé pour le cas d'usage, période non future, "
            "valeur = 100 × numérateur / dénominateur pour les taux, plage plausible par indicateur, "
            "unicité de la mesure, absence de donnée personnelle) sont vérifiées par `tlkpi check`."
        ),
        "version": CONTRACT_VERSION,
        "missingValues": [""],
        "fields": fields,
        "primaryKey": ["finess", "cas_usage", "indicateur", "periode", "phase"],
    }


_EXAMPLES = {
    "finess": "010780195",
    "cas_usage": "UC05",
    "indicateur": "QUA_READMISSION_30J",
    "periode": "2025-T3",
    "phase": "pilote",
    "valeur": "12,5",
    "numerateur": "5",
    "denominateur": "40",
    "effectif": "40",
    "commentaire": "Données extraites du DPI",
}
