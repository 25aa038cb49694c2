"""Table Schema descriptors (the format of schema.data.gouv.fr) of the open-data files of an edition.

Written next to the files as data/benchmark.schema.json and data/roi.schema.json; the French titles
and descriptions are also shown on donnees.html.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from reports.site.open_data import BENCHMARK_COLUMNS, ROI_COLUMNS

_TYPES = {pa.string(): "string", pa.int32(): "integer", pa.float64(): "number", pa.bool_(): "boolean"}

# column -> (title, description); a withheld statistic is an empty field.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "edition": (
        "Édition",
        "Numéro de l'édition du trimestre (une correction tardive crée une nouvelle édition).",
    ),
    "quarter": ("Trimestre", "Trimestre publié, au format AAAA-Tn."),
    "use_case": ("Cas d'usage", "Code du cas d'usage (UC01 à UC17), ENSEMBLE pour tous les cas d'usage."),
    "domain": ("Domaine", "Code du domaine de performance (EFF, QUA, ECO, ATT)."),
    "kpi": ("Indicateur", "Code de l'indicateur du catalogue."),
    "unit": ("Unité", "Unité de l'indicateur."),
    "direction": ("Sens d'amélioration", "lower_is_better (plus bas est mieux) ou higher_is_better."),
    "n_establishments": ("Établissements", "Nombre d'établissements ayant une valeur pilote."),
    "n_experimentations": ("Expérimentations", "Nombre d'expérimentations (établissement × cas d'usage)."),
    "baseline_median": (
        "Médiane de référence",
        "Médiane des valeurs de la phase de référence (vide sous 10 expérimentations).",
    ),
    "pilot_median": (
        "Médiane pilote",
        "Médiane des valeurs pilotes du trimestre (vide sous 10 expérimentations).",
    ),
    "pilot_p10": ("P10 pilote", "Premier décile des valeurs pilotes (vide sous 20 expérimentations)."),
    "pilot_p25": ("P25 pilote", "Premier quartile des valeurs pilotes (vide sous 10 expérimentations)."),
    "pilot_p75": ("P75 pilote", "Troisième quartile des valeurs pilotes (vide sous 10 expérimentations)."),
    "pilot_p90": ("P90 pilote", "Neuvième décile des valeurs pilotes (vide sous 20 expérimentations)."),
    "pooled_rate": ("Taux poolé", "Somme des numérateurs / somme des dénominateurs × 100 (taux seulement)."),
    "pooled_rate_low": (
        "Taux poolé, borne basse",
        "Borne basse de l'intervalle de confiance à 95 % (Wilson).",
    ),
    "pooled_rate_high": (
        "Taux poolé, borne haute",
        "Borne haute de l'intervalle de confiance à 95 % (Wilson).",
    ),
    "share_improved": (
        "Part en amélioration",
        "Part des expérimentations en amélioration (0 à 1, au millième).",
    ),
    "median_relative_change": (
        "Évolution médiane",
        "Médiane des évolutions relatives (pilote − référence) / référence, au millième (vide sous 10 "
        "expérimentations).",
    ),
    "median_relative_change_low": (
        "Évolution médiane, borne basse",
        "IC à 95 % exact (statistiques d'ordre).",
    ),
    "median_relative_change_high": (
        "Évolution médiane, borne haute",
        "IC à 95 % exact (statistiques d'ordre).",
    ),
    "threshold": ("Seuil", "Seuil de performance du référentiel ROI, s'il existe."),
    "threshold_met": ("Seuil atteint", "La médiane pilote atteint le seuil (vide quand la médiane l'est)."),
    "withheld": ("Masqué", "true quand la ligne relève du secret statistique."),
    "withheld_reason": ("Motif du masquage", "Motif du secret statistique."),
    "share_threshold_met": (
        "Part atteignant le seuil",
        "Part des expérimentations qui atteignent le seuil (0 à 1).",
    ),
    "kind": ("Nature", "rate, duration, count, score ou amount_eur."),
    "use_case_label": ("Libellé du cas d'usage", "Libellé du cas d'usage."),
    "domain_label": ("Libellé du domaine", "Libellé du domaine de performance."),
    "kpi_label": ("Libellé de l'indicateur", "Libellé de l'indicateur."),
    "roi_median": (
        "ROI médian",
        "(dépenses évitées + recettes nouvelles − coût) / coût, médiane, à 2 décimales (vide sous 10 "
        "expérimentations).",
    ),
    "roi_p25": ("ROI P25", "Premier quartile du ROI des expérimentations."),
    "roi_p75": ("ROI P75", "Troisième quartile du ROI des expérimentations."),
    "share_positive": ("Part des ROI positifs", "Part des expérimentations dont le ROI est positif (0 à 1)."),
    "baseline_mean": (
        "Moyenne de référence",
        "Taux poolé (Σ numérateurs / Σ dénominateurs × 100) quand chaque expérimentation a ses effectifs, "
        "sinon moyenne pondérée par les patients, sinon moyenne simple, des valeurs de référence des "
        "expérimentations qui en ont une. Vide quand un établissement pèse plus de 85 % de la case.",
    ),
    "pilot_mean": (
        "Moyenne pilote",
        "Même calcul sur les valeurs pilotes du trimestre de toutes les expérimentations de la case.",
    ),
    "mean_change": (
        "Évolution de la moyenne",
        "Moyenne pilote − moyenne de référence, sur les expérimentations qui ont les deux, dans l'unité de "
        "l'indicateur.",
    ),
    "linear_withheld_reason": (
        "Motif du masquage des moyennes",
        "Rempli quand les moyennes, le taux global et les parts sont vides : un établissement représente "
        "plus de 85 % de la case (règle de dominance).",
    ),
    "position_withheld_reason": (
        "Motif du masquage des médianes",
        "Rempli quand des médianes, quartiles ou déciles sont vides : moins de 10 expérimentations "
        "(médianes, quartiles, intervalles) ou moins de 20 (P10, P90).",
    ),
    "correction_pending": (
        "Correction en attente",
        "true quand la ligne garde les chiffres de l'édition précédente : les établissements dont les "
        "données ont changé sont encore trop peu nombreux pour que la différence soit publiée.",
    ),
    "peer_group": (
        "Groupe de pairs",
        "national pour les chiffres de toutes les expérimentations ; sinon le groupe de pairs (catégorie "
        "d'établissement du registre : CHU, CH, ESMS…) dont les expérimentations fondent la ligne. "
        "Une ligne nationale est la somme de ses lignes de groupe : un chiffre de groupe qui permettrait "
        "de retrouver un chiffre masqué est masqué lui aussi.",
    ),
    "roi_pooled": (
        "ROI cumulé",
        "(Σ dépenses évitées + Σ recettes nouvelles − Σ coûts) / Σ coûts des expérimentations, à 2 "
        "décimales. Vide quand un établissement pèse plus de 85 % des coûts ou des gains.",
    ),
}
TABLES: dict[str, tuple[str, tuple[tuple[str, pa.DataType], ...], list[str]]] = {
    "benchmark": (
        "Référentiel par indicateur",
        BENCHMARK_COLUMNS,
        ["edition", "quarter", "peer_group", "use_case", "kpi"],
    ),
    "roi": ("ROI par cas d'usage", ROI_COLUMNS, ["edition", "quarter", "peer_group", "use_case"]),
}


def schema_fields(columns: tuple[tuple[str, pa.DataType], ...]) -> list[dict[str, Any]]:
    fields = []
    for name, kind in columns:
        title, description = DESCRIPTIONS[name]
        entry: dict[str, Any] = {
            "name": name,
            "type": _TYPES[kind],
            "title": title,
            "description": description,
        }
        if kind == pa.bool_():
            entry.update(trueValues=["true"], falseValues=["false"])
        fields.append(entry)
    return fields


def table_schema(stem: str) -> dict[str, Any]:
    """The Table Schema of data/<stem>.csv."""
    title, columns, key = TABLES[stem]
    return {
        "name": f"tlkpi-{stem}",
        "title": title,
        "fields": schema_fields(columns),
        "primaryKey": key,
        "missingValues": [""],
    }


def write_table_schemas(data_dir: Path) -> list[Path]:
    """Write data/<stem>.schema.json for each open-data table; return the paths."""
    paths = []
    for stem in TABLES:
        path = data_dir / f"{stem}.schema.json"
        text = json.dumps(table_schema(stem), ensure_ascii=False, indent=2) + "\n"
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths
