"""Who a dropped file claims to come from, checked before it is read; and how its name may be shown.

Every file under `inbox/<folder>/…` must sit in the folder of a valid, registered FINESS; files
dropped straight in `inbox/` are the operator's and are taken as they come. A name is shown only
with its control characters replaced, and not at all when it holds personal data.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path, PurePosixPath

from intake.dropzone import NOT_REGULAR, Claim
from schemas.finess import has_valid_format, is_valid_finess
from schemas.messages import Issue
from schemas.personal_data import holds_personal_data

REGISTER_FILE = "establishments.csv"
MESSAGES = {
    "dossier_inconnu": (
        "Le fichier a été déposé dans le dossier « {folder} », qui n'est pas un numéro FINESS. Déposez-le "
        "dans le dossier de votre établissement (son FINESS géographique, 9 caractères, sans espace)."
    ),
    "etablissement_non_inscrit": (
        "Le dossier {folder} n'est pas celui d'un établissement inscrit au programme. Vérifiez le "
        "numéro du dossier, ou demandez votre inscription à l'équipe du programme."
    ),
    NOT_REGULAR: (
        "Le dépôt n'est pas un fichier ordinaire (lien ou fichier spécial) : il n'a pas été lu. "
        "Déposez le fichier lui-même (CSV, Excel ou Parquet)."
    ),
    "nom_fichier_personnel": (
        "Le nom du fichier semble contenir une donnée personnelle (numéro de sécurité sociale, courriel, "
        "téléphone ou date de naissance) ; il n'est pas reproduit ici et le fichier n'a pas été conservé. "
        "Supprimez-le de vos envois, renommez-le (par exemple indicateurs_2025-T3.csv) et déposez-le à nouveau."
    ),
}


def read_register(reference_dir: Path) -> frozenset[str] | None:
    """The FINESS numbers of the establishment register; None when there is no register."""
    path = reference_dir / REGISTER_FILE
    if not path.is_file():
        return None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return frozenset((row.get("finess") or "").strip().upper() for row in csv.DictReader(handle))


def identity_issue(claim: Claim, register: frozenset[str] | None) -> Issue | None:
    """Why the file must be refused before it is read, from where and how it was dropped."""
    if claim.refusal is not None:
        return _issue(claim.refusal)
    if holds_personal_data(claim.relative):
        return _issue("nom_fichier_personnel")
    parts = PurePosixPath(claim.relative).parts
    if len(parts) < 2:
        return None  # the operator's own drop, straight in inbox/
    folder = parts[0]
    if not (has_valid_format(folder.upper()) and is_valid_finess(folder.upper())):
        return _issue("dossier_inconnu", shown_text(folder))
    if register is not None and folder.upper() not in register:
        return _issue("etablissement_non_inscrit", folder.upper())
    return None


def _issue(rule: str, folder: str = "") -> Issue:
    return Issue(rule, MESSAGES[rule].format(folder=folder))


def shown_text(text: str) -> str:
    """The text with control and format characters (newlines, bidi overrides) replaced by `?`."""
    return "".join("?" if unicodedata.category(c)[0] == "C" else c for c in text)


def shown_path(claim: Claim) -> str:
    """The claim's path under inbox/ as it may be shown (report, warehouse, CLI, Prefect)."""
    if holds_personal_data(claim.relative):
        return f"fichier-{claim.sha256[:12]}"
    return shown_text(claim.relative)


def shown_name(claim: Claim) -> str:
    return PurePosixPath(shown_path(claim)).name
