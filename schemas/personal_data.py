"""Detect personal data (NIR, phone, e-mail, date of birth, name columns) in cells, headers and names.

The detectors run on google-re2, whose matching time is linear in the text: a hostile comment
cannot make them quadratic. Callers bound the text length first (`max_cell_chars`). Nothing
detected is ever returned: only whether a text holds personal data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import re2

# separators Excel and people put inside numbers: space, non-breaking spaces, dot, dash, slash
_SEP = r"[ \t.\-_/\x{00A0}\x{202F}\x{2007}]?"
# INSEE: month 01-12, 20-42 or 50-99 for people born abroad or whose month is unknown
_NIR_MONTH = r"(?:0[1-9]|1[0-2]|[23][0-9]|4[0-2]|[5-9][0-9])"
# digit runs are delimited by non-digits, not by \b: `patient_185…` has no word boundary before 1
_START, _END = r"(?:^|[^0-9])", r"(?:$|[^0-9])"
NIR = (
    rf"{_START}[1-478]{_SEP}[0-9]{{2}}{_SEP}{_NIR_MONTH}{_SEP}(?:[0-9]{{2}}|2[AaBb]){_SEP}"
    rf"[0-9]{{3}}{_SEP}[0-9]{{3}}(?:{_SEP}[0-9]{{2}})?{_END}"
)
# 06 12 34 56 78, 0612345678, 06.12.34.56.78, 06/12/34/56/78, +33 6…, +33 (0)6…, 0033 6…
PHONE = (
    rf"{_START}(?:(?:\+|00)[ \x{{00A0}}]?33[ \x{{00A0}}.\-]?(?:\(0\)[ \x{{00A0}}]?)?|0)[1-9]"
    rf"(?:[ \t.\-/\x{{00A0}}\x{{202F}}]?[0-9]{{2}}){{4}}{_END}"
)
_AT = r"(?:@|\s*[\(\[\{]\s*(?:at|arobase)\s*[\)\]\}]\s*|\s+arobase\s+)"
_DOT = r"(?:\.|\s*[\(\[\{]\s*(?:dot|point)\s*[\)\]\}]\s*|\s+(?:dot|point)\s+)"
EMAIL = rf"(?i)[a-z0-9_.+\-]+{_AT}[a-z0-9\-]+(?:{_DOT}[a-z0-9\-]+)*{_DOT}[a-z]{{2,}}\b"
_MONTHS = "janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|octobre|novembre|decembre|décembre"
_DATE = rf"[0-9]{{1,2}}(?:er)?[ \t./\-]+(?:[0-9]{{1,2}}|{_MONTHS})[ \t./\-]+[0-9]{{2,4}}"
BIRTH = rf"(?i)(?:\bn[ée]e?s?(?:\s*\(e\))?\s+le\b|\bdate\s+de\s+naissance\b|\bddn\b)\s*:?\s*(?:{_DATE})?"
DETECTORS = {"nir": NIR, "telephone": PHONE, "courriel": EMAIL, "naissance": BIRTH}
_ANY = re2.compile("|".join(f"(?:{pattern})" for pattern in DETECTORS.values()))

# header words that announce a column of identities, after accents are stripped and case folded
_NAME_WORDS = frozenset(
    {"nom", "noms", "prenom", "prenoms", "nir", "nss", "ddn", "naissance", "securite", "courriel",
     "email", "mail", "telephone", "tel", "adresse", "ipp", "patient", "patiente"}
)  # fmt: skip
_NOT_PEOPLE = frozenset(
    {"nombre", "service", "etablissement", "structure", "site", "indicateur", "projet", "solution",
     "fichier", "dispositif", "pole", "unite", "logiciel", "fournisseur", "editeur"}
)  # fmt: skip
_NAME_PREFIXES = ("nompatient", "prenompatient", "datenaissance", "datedenaissance", "numerosecu")


def holds_personal_data(text: str) -> bool:
    """True when the text carries a NIR, a French phone number, an e-mail or a date of birth."""
    return _ANY.search(text) is not None


def names_personal_column(header: str) -> bool:
    """True for a header such as `nom`, `Prénom`, `date de naissance`, `NIR`, `nom_patient`."""
    folded = _fold(header)
    words = set(re.split(r"[^a-z0-9]+", folded)) - {""}
    if words & _NOT_PEOPLE or folded.startswith("nb"):  # `Nombre de patients`, `Nom du service`
        return False
    squashed = re.sub(r"[^a-z0-9]+", "", folded)
    return bool(words & _NAME_WORDS) or squashed.startswith(_NAME_PREFIXES)


def personal_columns(headers: Iterable[str]) -> list[str]:
    """The headers, as written, that name a column of personal data."""
    return [header for header in headers if names_personal_column(header)]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
