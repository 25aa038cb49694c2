"""Files as establishments drop them: the contract's header lines and a file written into an inbox."""

from __future__ import annotations

from pathlib import Path

# the canonical column names, comma-separated, with the patient count and no rate columns
HEADER = "finess,cas_usage,indicateur,periode,phase,valeur,effectif\n"
# the template's French labels, semicolon-separated, every column
FRENCH_HEADER = (
    "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Numérateur;Dénominateur;Effectif;Commentaire\n"
)


def drop_file(inbox: Path, finess: str, name: str, text: str) -> Path:
    """Write `text` (UTF-8) as `inbox/<finess>/<name>`, as an upload that just finished."""
    folder = inbox / finess
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SITES = ("010780195", "010780906", "980600027", "2A0000014")  # valid FINESS, four départements


def drop_numbered_files(inbox: Path, count: int, first: int = 0, values_repeat: int = 0) -> int:
    """Files `kpi_<number>.csv` numbered from `first`, over the four SITES, each with two pilot months of
    one use case (the keys repeat every 68 files: a later file corrects an earlier one); the value is
    40 + number (modulo `values_repeat` when given). Returns the rows written."""
    for number in range(first, first + count):
        finess = SITES[number % len(SITES)]
        value = 40 + (number % values_repeat if values_repeat else number)
        rows = [
            f"{finess},UC{1 + number % 17:02d},EFF_DELAI_PEC,2025-{month:02d},pilote,{value},30"
            for month in (1, 2)
        ]
        drop_file(inbox, finess, f"kpi_{number:04d}.csv", HEADER + "\n".join(rows) + "\n")
    return 2 * count


def delay_file(finess: str, baseline: float, pilot: float, quarter: str = "2025-T3") -> str:
    """A file of one UC05 waiting time with 40 patients: its reference value (2024-T4) and its pilot
    value in `quarter`."""
    return (
        HEADER
        + f"{finess},UC05,EFF_DELAI_PEC,2024-T4,reference,{baseline},40\n"
        + f"{finess},UC05,EFF_DELAI_PEC,{quarter},pilote,{pilot},40\n"
    )
