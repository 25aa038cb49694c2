"""Validation issues and the French sentences shown to establishments, one per rule id."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tlkpi.errors import SubmissionError

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
    "finess_zero_restaure": (
        "Le FINESS « {value} » a perdu son zéro initial (le tableur l'a pris pour un nombre) : il a été "
        "lu comme {detail}, le FINESS de votre établissement. Pour l'éviter, mettez la colonne FINESS au "
        "format texte (c'est le cas dans le modèle)."
    ),
    "periode_date_excel": (
        "Cette cellule de période était une date du tableur : elle a été lue comme le mois {value}. Si "
        "vous vouliez un trimestre, écrivez-le en texte (2025-T3) ; dans le modèle, la colonne Période est "
        "au format texte."
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


# The refusals of a whole file (reading, encoding): key -> (rule, French sentence with its {slots}).
FILE_MESSAGES: dict[str, tuple[str, str]] = {
    "format_non_accepte": (
        "format_non_accepte",
        "Le format « {format} » n'est pas accepté. Envoyez un fichier CSV (.csv), Excel (.xlsx) ou Parquet (.parquet), par exemple le modèle proposé sur le portail de dépôt.",
    ),
    "aucune_mesure": (
        "fichier_vide",
        "Le fichier ne contient aucune mesure sous la ligne d'en-tête. Ajoutez une ligne par mesure (ou vérifiez que les données sont dans la feuille « indicateurs »).",
    ),
    "trop_de_lignes": (
        "fichier_trop_gros",
        "Le fichier contient {rows} lignes, au-delà de la limite de {limit} lignes par fichier. Découpez-le en plusieurs fichiers.",
    ),
    "trop_decompresse": (
        "fichier_trop_gros",
        "Le fichier se décompresse en {size} octets, au-delà de la limite de {limit} octets. Enregistrez les données seules dans un nouveau fichier (ou en CSV), ou découpez-le en plusieurs fichiers.",
    ),
    "zero_octet": (
        "fichier_vide",
        "Le fichier est vide (0 octet). Vérifiez l'export puis déposez-le à nouveau.",
    ),
    "trop_lourd": (
        "fichier_trop_gros",
        "Le fichier pèse {size} octets, au-delà de la limite de {limit}. Découpez-le en plusieurs fichiers.",
    ),
    "colonne_en_double": (
        "colonne_en_double",
        "Les colonnes « {first} » et « {second} » désignent toutes deux « {name} ». Supprimez l'une des deux.",
    ),
    "aucune_ligne": (
        "fichier_vide",
        "Le fichier ne contient aucune ligne. Vérifiez l'export puis déposez-le à nouveau.",
    ),
    "csv_mal_forme": (
        "csv_mal_forme",
        "Le fichier CSV est mal formé ({cause}). Vérifiez que chaque ligne a autant de colonnes que l'en-tête et que les guillemets sont fermés.",
    ),
    "xlsx_tronque": (
        "fichier_illisible",
        "Le classeur Excel est illisible ou tronqué. Ouvrez-le dans Excel, enregistrez-le à nouveau au format .xlsx puis déposez-le.",
    ),
    "xlsx_bombe": (
        "fichier_trop_gros",
        "Le classeur Excel se décompresse en un volume anormal. Enregistrez les données seules dans un nouveau classeur (ou en CSV) puis déposez-le.",
    ),
    "feuille_trop_large": (
        "fichier_trop_gros",
        "La feuille « {sheet} » a {columns} colonnes, au-delà de la limite de {limit}. Gardez les colonnes du modèle.",
    ),
    "xlsx_illisible": (
        "fichier_illisible",
        "Le classeur Excel ne peut pas être lu ({cause}). Enregistrez-le à nouveau au format .xlsx.",
    ),
    "feuille_vide": (
        "fichier_vide",
        "La feuille « {sheet} » est vide. Placez les mesures dans la feuille « indicateurs ».",
    ),
    "parquet_illisible": (
        "fichier_illisible",
        "Le fichier Parquet est illisible ({cause}). Exportez-le à nouveau.",
    ),
    "parquet_trop_large": (
        "fichier_trop_gros",
        "Le fichier Parquet a {columns} colonnes, au-delà de la limite de {limit}. Gardez les colonnes du modèle.",
    ),
    "colonne_manquante": (
        "colonne_manquante",
        "Colonne(s) obligatoire(s) absente(s) : {missing}. Reprenez l'en-tête du modèle du portail de dépôt : FINESS, Cas d'usage, Indicateur, Période, Phase, Valeur…",
    ),
    "utf16_sans_bom": (
        "encodage",
        "Le fichier semble enregistré en UTF-16 (« Texte Unicode ») sans l'indiquer en tête (BOM). Enregistrez-le en « CSV UTF-8 (délimité par des virgules) » ou envoyez le classeur .xlsx.",
    ),
    "contenu_binaire": (
        "fichier_illisible",
        "Le fichier n'est pas un fichier texte CSV (contenu binaire). Enregistrez-le au format « CSV (séparateur : point-virgule) » ou envoyez le classeur .xlsx.",
    ),
    "encodage_inconnu": (
        "encodage",
        "L'encodage du fichier n'est ni UTF-8 ni Windows-1252 (octet illisible en position {position}). Enregistrez-le en « CSV UTF-8 ».",
    ),
    "utf16_illisible": (
        "encodage",
        "Le fichier annonce l'encodage UTF-16 (« Texte Unicode ») mais contient un octet illisible en position {position}. Enregistrez-le en « CSV UTF-8 » ou envoyez le classeur .xlsx.",
    ),
}


# The short French name of every rule (reports, receipts, the portal), the file-level rules included.
LABELS: dict[str, str] = {
    "obligatoire": "Cellule obligatoire vide",
    "finess_format": "FINESS mal écrit",
    "finess_cle": "Clé du FINESS invalide",
    "finess_hors_dossier": "FINESS d'un autre établissement",
    "finess_zero_restaure": "Zéro initial du FINESS rétabli",
    "periode_date_excel": "Période saisie comme une date",
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
    "entete_repetee": "Ligne d'en-tête répétée",
    "feuille_masquee": "Feuille masquée",
    "feuilles_en_double": "Feuilles de même nom",
    "contenu_masque": "Lignes ou colonnes masquées",
    "formule_non_calculee": "Formule non calculée",
    "periode_en_cours": "Période non terminée",
    "trimestre_et_mois": "Trimestre donné avec ses mois",
    "reference_apres_pilote": "Référence après le pilote",
    "separateur_ambigu": "Séparateur ambigu",
}
WARNING_RULES = frozenset(
    {
        "valeur_inhabituelle",
        "colonne_ignoree",
        "finess_zero_restaure",
        "periode_date_excel",
        "periode_en_cours",
        "reference_apres_pilote",
        "separateur_ambigu",
    }
)


@dataclass(frozen=True)
class Rule:
    """One rule of the contract, as establishments see it.

    `message` is the French sentence with its {value}, {column}, {detail} slots; None for the
    file-level rules, whose sentence is written where they are found (schemas/reading.py), with what
    was found.
    """

    id: str
    label: str
    message: str | None
    severity: Severity


# The registry: every rule's id, label, message and severity, read by make_issue, the receipts and the portal.
RULES: dict[str, Rule] = {
    rule: Rule(rule, label, MESSAGES.get(rule), "warning" if rule in WARNING_RULES else "error")
    for rule, label in LABELS.items()
}


def rule_label(rule: str) -> str:
    """The short French name of a rule; an unknown id is shown as it is rather than hidden."""
    return RULES[rule].label if rule in RULES else rule


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


def file_error(
    key: str, path: Path | str, *, row: int | None = None, column: str | None = None, **values: object
) -> SubmissionError:
    """The refusal of a whole file: the rule and French sentence of FILE_MESSAGES[key], its slots filled."""
    rule, template = FILE_MESSAGES[key]
    return SubmissionError(template.format(**values), path=str(path), row=row, column=column, rule=rule)
