"""Validation issues and the French sentences shown to establishments, one per rule id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

MESSAGES: dict[str, str] = {
    "obligatoire": "La colonne « {column} » est obligatoire et la cellule est vide. Renseignez-la.",
    "finess_format": (
        "« {value} » n'est pas un numéro FINESS : 9 caractères commençant par le département "
        "(01 à 95, 2A, 2B, 97x, 98x). Indiquez le FINESS géographique, zéros initiaux compris."
    ),
    "finess_cle": (
        "« {value} » a une clé de contrôle invalide (dernier chiffre) : vérifiez le numéro FINESS "
        "géographique sur votre fiche FINESS."
    ),
    "finess_hors_dossier": (
        "Le FINESS {value} n'est pas celui du dossier de dépôt ({detail}). Un établissement ne dépose "
        "que ses propres mesures : corrigez le FINESS ou déposez le fichier dans le bon dossier."
    ),
    "cas_usage_inconnu": (
        "« {value} » n'est pas un code de cas d'usage du catalogue (UC01 à UC17). Reprenez le code "
        "indiqué dans le modèle."
    ),
    "indicateur_inconnu": (
        "« {value} » n'est pas un code d'indicateur du catalogue. Utilisez un code de la liste du "
        "modèle (par exemple EFF_DELAI_PEC)."
    ),
    "indicateur_non_autorise": (
        "L'indicateur {value} n'est pas prévu pour ce cas d'usage. Vérifiez le couple cas d'usage / "
        "indicateur dans le catalogue."
    ),
    "periode_format": "« {value} » n'est pas une période : écrivez un trimestre (2025-T3) ou un mois (2025-09).",
    "periode_future": "La période {value} n'a pas encore commencé. Corrigez l'année, le trimestre ou le mois.",
    "phase_inconnue": "« {value} » n'est pas une phase : écrivez « reference » (avant déploiement) ou « pilote ».",
    "nombre_invalide": (
        "« {value} » n'est pas un nombre. Écrivez un nombre avec une virgule ou un point décimal, "
        "sans unité ni symbole (ex. 12,5)."
    ),
    "nombre_entier": "« {value} » doit être un nombre entier positif ou nul.",
    "valeur_manquante": (
        "Aucune valeur : renseignez « Valeur », ou « Numérateur » et « Dénominateur » pour un taux."
    ),
    "valeur_hors_plage": (
        "La valeur {value} est hors de la plage plausible de l'indicateur ({detail}). Vérifiez "
        "l'unité (minutes, jours, %, €) et la saisie."
    ),
    "numerateur_requis": (
        "Cet indicateur est un taux : renseignez « Numérateur » et « Dénominateur » (nombres entiers)."
    ),
    "numerateur_superieur_denominateur": (
        "Le numérateur ({value}) dépasse le dénominateur. Vérifiez les deux nombres."
    ),
    "denominateur_nul": "Le dénominateur doit être strictement positif ; « {value} » ne l'est pas.",
    "taux_incoherent": (
        "La valeur {value} ne correspond pas à 100 × numérateur / dénominateur = {detail}. Corrigez "
        "la valeur, ou laissez-la vide : elle sera calculée."
    ),
    "doublon": (
        "Cette mesure (FINESS, cas d'usage, indicateur, période, phase) figure plusieurs fois dans le "
        "fichier. Gardez une seule ligne."
    ),
    "commentaire_trop_long": "Le commentaire dépasse 500 caractères. Raccourcissez-le.",
    "donnee_personnelle": (
        "Cette cellule semble contenir une donnée personnelle (numéro de sécurité sociale, courriel, "
        "téléphone ou date de naissance) ; elle n'est pas reproduite ici. Supprimez-la : aucune donnée "
        "nominative ne doit figurer dans le fichier. Le fichier n'a pas été conservé : supprimez-le "
        "aussi de vos envois, puis déposez la version corrigée."
    ),
    "colonne_personnelle": (
        "La colonne « {value} » semble contenir des données personnelles (nom, prénom, date de "
        "naissance, NIR…). Supprimez-la : aucune donnée nominative ne doit figurer dans le fichier. Le "
        "fichier n'a pas été conservé : supprimez-le aussi de vos envois, puis déposez la version corrigée."
    ),
    "cellule_trop_longue": (
        "La cellule dépasse {detail} caractères, ce qu'aucun code du modèle ne fait ; elle n'est pas "
        "reproduite ici. Vérifiez que les colonnes n'ont pas été décalées ou collées dans une cellule."
    ),
    "nombre_trop_grand": (
        "« {value} » dépasse le plafond plausible de {detail}. Vérifiez la saisie (un nombre de "
        "patients ou de cas, sans décimales ni unité)."
    ),
    "periode_hors_plage": (
        "La période {value} est antérieure à {detail}, première année acceptée. Vérifiez l'année "
        "(quatre chiffres, ex. 2025-T3)."
    ),
    "valeur_inhabituelle": (
        "La valeur {value} s'écarte fortement de ce que l'établissement a déclaré jusqu'ici pour cet "
        "indicateur et cette phase (médiane {detail}). Elle est acceptée : vérifiez-la et corrigez-la "
        "si besoin par un nouvel envoi."
    ),
    "colonne_ignoree": "La colonne « {value} » ne fait pas partie du modèle : elle a été ignorée.",
    "periode_en_cours": (
        "La période {value} n'est pas terminée : ses valeurs sont provisoires. Elles sont acceptées ; "
        "déposez à nouveau la mesure une fois la période close pour la compléter."
    ),
    "trimestre_et_mois": (
        "La période {value} est donnée avec le trimestre et ses mois pour le même indicateur et la même "
        "phase : la mesure serait comptée deux fois. Gardez soit le trimestre, soit ses mois."
    ),
    "reference_apres_pilote": (
        "Pour cet indicateur, une période de référence (avant déploiement) vient après une période "
        "pilote ; cette ligne ({value}) en fait partie. Les phases semblent inversées : vérifiez la phase "
        "et la période de ces lignes. Les mesures sont acceptées."
    ),
    "separateur_ambigu": (
        "« {value} » est lu comme {detail} (séparateur décimal). S'il s'agit d'un nombre en milliers "
        "(mille deux cent trente-quatre), écrivez-le sans séparateur : 1234. La valeur est acceptée "
        "telle que lue."
    ),
}


@dataclass(frozen=True)
class Issue:
    """One broken rule, located as the user sees the file: row (header = 1), column as written."""

    rule: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = "error"


# Rules whose cell text is never echoed (it may hold personal data or be very long).
UNECHOED_RULES = frozenset({"donnee_personnelle", "commentaire_trop_long", "cellule_trop_longue"})
# Rules that mean the original must not be kept in clear: only its hash and the report are kept.
PERSONAL_RULES = frozenset({"donnee_personnelle", "colonne_personnelle", "nom_fichier_personnel"})


def make_issue(
    rule: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    detail: str = "",
    severity: Severity = "error",
) -> Issue:
    """Build an issue with the French sentence of its rule."""
    text = None if value is None or rule in UNECHOED_RULES else str(value)
    message = MESSAGES[rule].format(value=text or "", column=column or "", detail=detail)
    return Issue(rule, message, row, column, text, severity)
