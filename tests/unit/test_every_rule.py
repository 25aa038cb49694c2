"""One failing file per rule, with where the person is told to look: every rule has one."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from schemas.catalogue import default_catalogue
from schemas.messages import MESSAGES
from schemas.reading import Limits, read_submission
from schemas.validation import validate_table
from tlkpi.errors import SubmissionError

TODAY = date(2026, 11, 22)
LABELS = ["FINESS", "Cas d'usage", "Indicateur", "Période", "Phase", "Valeur", "Effectif"]
MEASURE = ["010780195", "UC05", "EFF_DELAI_PEC", "2025-T3", "pilote", 42, 40]


def xlsx(*sheets: tuple[str, dict[str, bool]], formula: bool = False) -> bytes:
    """A workbook of (name, options) sheets holding one measure: hidden, with a hidden row 2, or a
    formula whose saved value is stale (xlsxwriter asks Excel to recalculate on opening)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, options in sheets:
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, LABELS)
        sheet.write_row(1, 0, MEASURE)
        if formula:
            sheet.write_formula(1, 5, "=40+2", None, 99)
        if options.get("hidden_row"):
            sheet.set_row(1, None, None, {"hidden": True})
        if options.get("hidden"):
            sheet.hide()
    book.close()
    return buffer.getvalue()


HEAD = "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Numérateur;Dénominateur;Effectif;Commentaire\n"
OK = "010780195;UC05;EFF_DELAI_PEC;2025-T3;pilote;42;;;40;\n"
RATE = "010780195;UC05;QUA_READMISSION_30J;2025-T3;pilote;{v};{n};{d};;\n"


def row(finess="010780195", uc="UC05", kpi="EFF_DELAI_PEC", period="2025-T3", phase="pilote", value="42",
        num="", den="", n="40", comment="") -> str:  # fmt: skip
    return f"{finess};{uc};{kpi};{period};{phase};{value};{num};{den};{n};{comment}\n"


def workbook_with_a_date_period() -> bytes:
    """A workbook as Excel saves one where the clerk typed 09/2025 in the period cell: a real date."""
    import datetime
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "indicateurs"
    sheet.append(HEAD.strip().split(";"))
    sheet.append(
        ["010780195", "UC05", "EFF_DELAI_PEC", datetime.datetime(2025, 9, 1), "pilote", 42, None, None, 40]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# (id, file bytes, suffix, inbox FINESS, rule, row, column as written)
CASES = [
    ("fichier_vide", b"", ".csv", None, "fichier_vide", None, None),
    ("fichier_vide sans lignes", HEAD.encode(), ".csv", None, "fichier_vide", None, None),
    ("fichier_illisible", b"PK\x03\x04\x00\x00garbage", ".xlsx", None, "fichier_illisible", None, None),
    ("encodage", (HEAD + OK).encode("utf-16-le"), ".csv", None, "encodage", None, None),  # UTF-16 without BOM
    ("encodage cp1252 impossible", HEAD.encode() + b"\x81\x8d\x8f;\n", ".csv", None, "encodage", None, None),
    ("csv_mal_forme", (HEAD + OK + "1;2;3;4;5;6;7;8;9;10;11;12\n").encode(), ".csv", None, "csv_mal_forme", None, None),
    ("format_non_accepte", b"{}", ".json", None, "format_non_accepte", None, None),
    ("feuille_masquee", xlsx(("Synthèse", {}), ("indicateurs", {"hidden": True})), ".xlsx", None, "feuille_masquee", None, None),
    ("feuilles_en_double", xlsx(("indicateurs", {}), (" Indicateurs ", {})), ".xlsx", None, "feuilles_en_double", None, None),
    ("contenu_masque", xlsx(("indicateurs", {"hidden_row": True})), ".xlsx", None, "contenu_masque", 2, "A"),
    ("formule_non_calculee", xlsx(("indicateurs", {}), formula=True), ".xlsx", None, "formule_non_calculee", 2, "F"),
    ("colonne_manquante", b"FINESS;Periode;Phase;Valeur\n010780195;2025-T3;pilote;4\n", ".csv", None, "colonne_manquante", 1, "cas_usage, indicateur"),
    ("colonne_en_double", (HEAD.rstrip("\n") + ";value\n" + OK.rstrip("\n") + ";4\n").encode(), ".csv", None, "colonne_en_double", 1, "value"),
    ("obligatoire", (HEAD + row(uc="")).encode(), ".csv", None, "obligatoire", 2, "Cas d'usage"),
    ("finess_format", (HEAD + row(finess="10780195")).encode(), ".csv", None, "finess_format", 2, "FINESS"),
    ("finess_cle", (HEAD + row(finess="010780196")).encode(), ".csv", None, "finess_cle", 2, "FINESS"),
    ("finess_zero_restaure", (HEAD + row(finess="10780195")).encode(), ".csv", "010780195", "finess_zero_restaure", 2, "FINESS"),
    ("periode_date_excel", workbook_with_a_date_period(), ".xlsx", None, "periode_date_excel", 2, "Période"),
    ("finess_hors_dossier", (HEAD + row(finess="010780906")).encode(), ".csv", "010780195", "finess_hors_dossier", 2, "FINESS"),
    ("cas_usage_inconnu", (HEAD + row(uc="UC18")).encode(), ".csv", None, "cas_usage_inconnu", 2, "Cas d'usage"),
    ("indicateur_inconnu", (HEAD + row(kpi="EFF_DELAI")).encode(), ".csv", None, "indicateur_inconnu", 2, "Indicateur"),
    ("periode_format", (HEAD + row(period="T3 2025")).encode(), ".csv", None, "periode_format", 2, "Période"),
    ("periode_future", (HEAD + row(period="2027-01")).encode(), ".csv", None, "periode_future", 2, "Période"),
    ("phase_inconnue", (HEAD + row(phase="après")).encode(), ".csv", None, "phase_inconnue", 2, "Phase"),
    ("nombre_invalide", (HEAD + row(value="42 min")).encode(), ".csv", None, "nombre_invalide", 2, "Valeur"),
    ("nombre_entier", (HEAD + row(n="40,5")).encode(), ".csv", None, "nombre_entier", 2, "Effectif"),
    ("valeur_manquante", (HEAD + row(value="")).encode(), ".csv", None, "valeur_manquante", 2, "Valeur"),
    ("valeur_hors_plage", (HEAD + row(value="2000")).encode(), ".csv", None, "valeur_hors_plage", 2, "Valeur"),
    ("numerateur_requis", (HEAD + RATE.format(v="12,5", n="", d="")).encode(), ".csv", None, "numerateur_requis", 2, "Numérateur"),
    ("numerateur_superieur_denominateur", (HEAD + RATE.format(v="", n="50", d="40")).encode(), ".csv", None, "numerateur_superieur_denominateur", 2, "Numérateur"),
    ("denominateur_nul", (HEAD + RATE.format(v="", n="0", d="0")).encode(), ".csv", None, "denominateur_nul", 2, "Dénominateur"),
    ("taux_incoherent", (HEAD + RATE.format(v="20", n="5", d="40")).encode(), ".csv", None, "taux_incoherent", 2, "Valeur"),
    ("doublon", (HEAD + OK + row(period="2025-Q3")).encode(), ".csv", None, "doublon", 3, "Indicateur"),
    ("commentaire_trop_long", (HEAD + row(comment="x" * 501)).encode(), ".csv", None, "commentaire_trop_long", 2, "Commentaire"),
    ("donnee_personnelle", (HEAD + row(comment="rappeler le 06 12 34 56 78")).encode(), ".csv", None, "donnee_personnelle", 2, "Commentaire"),
    ("donnee_personnelle NIR dans le FINESS", (HEAD + row(finess="1-85-05-78-006-084-36")).encode(), ".csv", None, "donnee_personnelle", 2, "FINESS"),
    ("donnee_personnelle hors modèle", (HEAD.rstrip("\n") + ";Contact\n" + OK.rstrip("\n") + ";jean (at) chu (dot) fr\n").encode(), ".csv", None, "donnee_personnelle", 2, "Contact"),
    ("cellule_trop_longue hors modèle", (HEAD.rstrip("\n") + ";Notes\n" + OK.rstrip("\n") + ";" + "x" * 1001 + "\n").encode(), ".csv", None, "cellule_trop_longue", 2, "Notes"),
    ("colonne_personnelle", (HEAD.rstrip("\n") + ";nom_patient\n" + OK.rstrip("\n") + ";\n").encode(), ".csv", None, "colonne_personnelle", 1, "nom_patient"),
    ("cellule_trop_longue", (HEAD + row(uc="UC" * 60)).encode(), ".csv", None, "cellule_trop_longue", 2, "Cas d'usage"),
    ("nombre_trop_grand", (HEAD + row(n="3000000000")).encode(), ".csv", None, "nombre_trop_grand", 2, "Effectif"),
    ("periode_hors_plage", (HEAD + row(period="0000-01")).encode(), ".csv", None, "periode_hors_plage", 2, "Période"),
    ("colonne_ignoree", (HEAD.rstrip("\n") + ";Service\n" + OK.rstrip("\n") + ";urgences\n").encode(), ".csv", None, "colonne_ignoree", 1, "Service"),
    ("periode_en_cours", (HEAD + row(period="2026-T4")).encode(), ".csv", None, "periode_en_cours", 2, "Période"),
    ("trimestre_et_mois", (HEAD + row() + row(period="2025-07")).encode(), ".csv", None, "trimestre_et_mois", 2, "Période"),
    ("reference_apres_pilote", (HEAD + row(period="2025-T1") + row(period="2025-T3", phase="reference")).encode(), ".csv", None, "reference_apres_pilote", 3, "Période"),
    ("separateur_ambigu", (HEAD + row(value="1,234")).encode(), ".csv", None, "separateur_ambigu", 2, "Valeur"),
]  # fmt: skip
TOO_BIG = [
    ("fichier_trop_gros octets", Limits(max_bytes=10)),
    ("fichier_trop_gros lignes", Limits(max_rows=0)),
]
READING_RULES = {"fichier_vide", "fichier_illisible", "encodage", "csv_mal_forme", "format_non_accepte",
                 "colonne_manquante", "colonne_en_double", "fichier_trop_gros", "feuille_masquee",
                 "feuilles_en_double", "contenu_masque", "formule_non_calculee"}  # fmt: skip
DEFAULT = Limits()
NOT_FROM_A_FILE = {"indicateur_non_autorise", "valeur_inhabituelle"}  # need another catalogue / a history


def issues_of(tmp_path: Path, data: bytes, suffix: str, finess: str | None, limits: Limits = DEFAULT) -> list:
    path = tmp_path / f"envoi{suffix}"
    path.write_bytes(data)
    try:
        table = read_submission(path, limits)
    except SubmissionError as exc:
        return [(exc.rule, exc.row, exc.column, exc.message, "error")]
    verdict = validate_table(table, default_catalogue(), today=TODAY, inbox_finess=finess)
    return [(i.rule, i.row, i.column, i.message, i.severity) for i in verdict.issues]


@pytest.mark.parametrize(
    ("data", "suffix", "finess", "rule", "row", "column"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_names_row_column_and_says_how_to_fix(tmp_path, data, suffix, finess, rule, row, column) -> None:  # fmt: skip
    found = issues_of(tmp_path, data, suffix, finess)
    located = {(r, line, col) for r, line, col, _, _ in found}
    assert (rule, row, column) in located, found
    message = next(m for r, _, _, m, _ in found if r == rule)
    assert len(message) > 30 and "{" not in message.replace("{}", "")


@pytest.mark.parametrize(("limits"), [c[1] for c in TOO_BIG], ids=[c[0] for c in TOO_BIG])
def test_files_beyond_the_limits_are_refused(tmp_path, limits) -> None:
    assert issues_of(tmp_path, (HEAD + OK).encode(), ".csv", None, limits)[0][0] == "fichier_trop_gros"


def test_warnings_do_not_reject(tmp_path) -> None:
    data = (HEAD.rstrip("\n") + ";Service\n" + OK.rstrip("\n") + ";urgences\n").encode()
    assert {severity for *_, severity in issues_of(tmp_path, data, ".csv", None)} == {"warning"}


def test_every_rule_has_a_failing_file_above() -> None:
    tested = {c[4] for c in CASES} | {"fichier_trop_gros"}
    assert tested | NOT_FROM_A_FILE == set(MESSAGES) | READING_RULES


def test_every_rule_is_documented_for_developers() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "file-contract.md").read_text(encoding="utf-8")
    missing = sorted(rule for rule in set(MESSAGES) | READING_RULES if f"`{rule}`" not in docs)
    assert missing == []


ROW_CASES = [c for c in CASES if c[4] not in READING_RULES and c[5] != 1 and c[2] == ".csv"]


@pytest.mark.parametrize(("data", "finess", "rule", "column"), [(c[1], c[3], c[4], c[6]) for c in ROW_CASES], ids=[c[0] for c in ROW_CASES])  # fmt: skip
def test_ten_thousand_failing_rows_are_each_located(tmp_path, data, finess, rule, column) -> None:
    """GE cuts its lists of failing values at 200: every failing row must still be reported."""
    head, *lines = data.decode().splitlines(keepends=True)
    repeats = 10_000 // len(lines)
    found = issues_of(tmp_path, (head + "".join(lines) * repeats).encode(), ".csv", finess)
    located = {line for r, line, col, _, _ in found if r == rule and col == column}
    assert len(located) == len(lines) * repeats  # a duplicate key: every one of its rows is named
