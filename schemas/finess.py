"""FINESS géographique numbers: format and check key.

A FINESS is 9 characters: a département prefix (01-95, 2A, 2B, 97x, 98x) followed by digits, the
last one being a Luhn check key over the nine digits. Corsica's 2A and 2B are taken as 21 and 22
before the check, the assumption used in public code; it lives in `_digits_for_key` only.
"""

from __future__ import annotations

import re

# nine characters: a two-character département then 7 digits, or 97x / 98x then 6 digits
FINESS_PATTERN = r"^(?:(?:0[1-9]|[1-8][0-9]|9[0-5]|2A|2B)[0-9]{7}|9[78][0-9]{7})$"
_FINESS_RE = re.compile(FINESS_PATTERN)


def _digits_for_key(finess: str) -> str:
    """Corsica: 2A -> 21, 2B -> 22, so the key is computed on nine digits."""
    return finess.replace("2A", "21", 1).replace("2B", "22", 1)


def luhn_ok(digits: str) -> bool:
    """Luhn checksum: double every second digit from the right, the total ends with 0."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def has_valid_format(finess: str) -> bool:
    return bool(_FINESS_RE.fullmatch(finess))  # fullmatch: `$` alone would accept a trailing newline


def is_valid_finess(finess: str) -> bool:
    return has_valid_format(finess) and luhn_ok(_digits_for_key(finess))


def finess_problem(finess: str) -> str | None:
    """None when valid, else a French sentence saying what is wrong and how to fix it."""
    if not has_valid_format(finess):
        return (
            f"« {finess} » n'est pas un numéro FINESS : il faut 9 caractères commençant par un "
            "numéro de département (01 à 95, 2A, 2B, 97x, 98x). Indiquez le FINESS géographique "
            "de l'établissement, zéros initiaux compris."
        )
    if not luhn_ok(_digits_for_key(finess)):
        return (
            f"« {finess} » a une clé de contrôle invalide (dernier chiffre) : vérifiez le numéro "
            "FINESS géographique sur votre fiche FINESS."
        )
    return None


def with_check_key(first_eight: str) -> str:
    """Complete eight characters into a valid FINESS by appending the Luhn key (used by demo data)."""
    digits = _digits_for_key(first_eight)
    for key in "0123456789":
        if luhn_ok(digits + key):
            return first_eight + key
    raise AssertionError("a Luhn key always exists")
