"""What an establishment reads about its files: the rejection report and the receipt of every file.

French for a hospital clerk: dates in Paris time written out, each rule as a short label (its id kept
for support), a structural problem (a second header line) reported once, no command line to run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from schemas.columns import canonical_name
from schemas.messages import Issue

_TEMPLATES = Path(__file__).parent / "templates"
PARIS = ZoneInfo("Europe/Paris")
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
REPEATED_HEADER = "entete_repetee"

RULE_LABELS: dict[str, str] = {
    "obligatoire": "Cellule obligatoire vide",
    "finess_format": "FINESS mal écrit",
    "finess_cle": "Clé du FINESS invalide",
    "finess_hors_dossier": "FINESS d'un autre établissement",
    "cas_usage_inconnu": "Cas d'usage inconnu",
    "indicateur_inconnu": "Indicateur inconnu",
    "indicateur_non_autorise": "Indicateur non prévu pour ce cas d'usage",
    "periode_format": "Période mal écrite",
    "periode_future": "Période à venir",
    "phase_inconnue": "Phase inconnue",
    "nombre_invalide": "Nombre illisible",
    "nombre_entier": "Nombre entier attendu",
    "valeur_manquante": "Valeur manquante",
    "valeur_hors_plage": "Valeur hors plage plausible",
    "numerateur_requis": "Numérateur et dénominateur requis",
    "numerateur_superieur_denominateur": "Numérateur supérieur au dénominateur",
    "denominateur_nul": "Dénominateur nul",
    "taux_incoherent": "Taux incohérent",
    "doublon": "Mesure en double",
    "commentaire_trop_long": "Commentaire trop long",
    "donnee_personnelle": "Donnée personnelle",
    "valeur_inhabituelle": "Valeur inhabituelle",
    "colonne_ignoree": "Colonne ignorée",
    "colonne_manquante": "Colonne obligatoire absente",
    "colonne_en_double": "Colonne en double",
    "csv_mal_forme": "Fichier CSV mal formé",
    "encodage": "Encodage des caractères",
    "fichier_illisible": "Fichier illisible",
    "fichier_vide": "Fichier vide",
    "fichier_trop_gros": "Fichier trop volumineux",
    "format_non_accepte": "Format non accepté",
    "cellule_trop_longue": "Cellule trop longue",
    "colonne_personnelle": "Colonne de données personnelles",
    "nombre_trop_grand": "Nombre trop grand",
    "periode_hors_plage": "Période trop ancienne",
    "dossier_inconnu": "Dossier de dépôt inconnu",
    "etablissement_non_inscrit": "Établissement non inscrit",
    "fichier_non_regulier": "Fichier non ordinaire (lien)",
    "nom_fichier_personnel": "Donnée personnelle dans le nom du fichier",
    "erreur_traitement": "Erreur de traitement",
    "controle_trop_long": "Contrôle trop long",
    "feuille_masquee": "Feuille masquée",
    "feuilles_en_double": "Feuilles de même nom",
    "contenu_masque": "Lignes ou colonnes masquées",
    "formule_non_calculee": "Formule non calculée",
    "periode_en_cours": "Période non terminée",
    "trimestre_et_mois": "Trimestre donné avec ses mois",
    "reference_apres_pilote": "Référence après le pilote",
    "separateur_ambigu": "Séparateur ambigu",
    REPEATED_HEADER: "Ligne d'en-tête répétée",
}


def rule_label(rule: str) -> str:
    """The short French name of a rule; an unknown id is shown as it is rather than hidden."""
    return RULE_LABELS.get(rule, rule)


def french_datetime(moment: str | datetime) -> str:
    """'2026-11-25T20:37:38+00:00' -> '25 novembre 2026 à 21 h 37' (Europe/Paris; naive = UTC)."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo("UTC"))
    local = when.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {MONTHS_FR[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


def _is_header_cell(issue: Issue) -> bool:
    """A cell refused because it holds a column's own header (« FINESS » under FINESS)."""
    return issue.value is not None and issue.row not in (None, 1) and canonical_name(issue.value) is not None


def collapse_structural(issues: Sequence[Issue]) -> list[Issue]:
    """A second header line (two files pasted together) as one issue per line, not one per cell."""
    header_rows = {
        row
        for row in {issue.row for issue in issues if _is_header_cell(issue)}
        if sum(1 for issue in issues if issue.row == row and _is_header_cell(issue)) >= 2
    }
    kept: list[Issue] = []
    for issue in issues:
        if issue.row not in header_rows:
            kept.append(issue)
        elif not any(k.row == issue.row and k.rule == REPEATED_HEADER for k in kept):
            kept.append(
                Issue(
                    REPEATED_HEADER,
                    f"La ligne {issue.row} répète la ligne d'en-tête : deux fichiers ont sans doute été "
                    "collés l'un sous l'autre. Supprimez cette ligne (et vérifiez que les colonnes des "
                    "lignes suivantes sont dans le même ordre que l'en-tête).",
                    issue.row,
                    None,
                    None,
                    "error",
                )
            )
    return kept


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["rule_label"] = rule_label
    env.filters["french_datetime"] = french_datetime
    return env


def split_issues(issues: Sequence[Issue]) -> dict[str, list[Issue]]:
    """Errors and warnings, the structural ones collapsed, for the templates."""
    collapsed = collapse_structural(issues)
    return {
        "errors": [issue for issue in collapsed if issue.severity == "error"],
        "warnings": [issue for issue in collapsed if issue.severity == "warning"],
    }


def render_feedback(
    file_name: str, finess: str | None, received: str, issues: Sequence[Issue], n_rows: int
) -> str:
    """HTML page listing every error (row, column, value, rule, how to fix) then the warnings."""
    return (
        _environment()
        .get_template("feedback.html")
        .render(file_name=file_name, finess=finess, received=received, n_rows=n_rows, **split_issues(issues))
    )


def render_receipt(receipt: Mapping[str, Any], issues: Sequence[Issue]) -> str:
    """The receipt of one file: accepté / refusé / déjà reçu, rows, what it replaced, the issues."""
    return _environment().get_template("receipt.html").render(r=receipt, **split_issues(issues))
