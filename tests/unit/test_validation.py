"""Validation of a submitted table: every broken rule located by row and column as written, in French."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from schemas.catalogue import CATALOGUE_DIR, Catalogue, default_catalogue, load_catalogue
from schemas.messages import MESSAGES, UNECHOED_RULES, make_issue
from schemas.parsing import contract_columns, parse_cells, parse_decimal
from schemas.reading import ROW_COLUMN, SubmittedTable, read_submission
from schemas.validation import ValidationResult, validate_table
from tests.support.inbox import FRENCH_HEADER

TODAY = date(2026, 11, 22)
# The French template header, `;`-separated as a French Excel writes it.
HEADER = FRENCH_HEADER.rstrip("\n")
GOOD = "010780195;UC01;EFF_DELAI_PEC;2025-T3;pilote;45;;;30;"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue):
    """Write rows under HEADER in a fresh CSV, read it and validate it as of TODAY."""
    folder = tmp_path_factory.mktemp("validation")
    counter = iter(range(10_000))

    def run(*rows: str, header: str = HEADER, inbox_finess: str | None = None) -> ValidationResult:
        path = folder / f"kpi_{next(counter)}.csv"
        path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
        return validate_table(read_submission(path), catalogue, today=TODAY, inbox_finess=inbox_finess)

    return run


def located(verdict: ValidationResult) -> set[tuple[str, int | None, str | None]]:
    return {(issue.rule, issue.row, issue.column) for issue in verdict.errors}


def test_valid_file_is_accepted_with_typed_measurements(check) -> None:
    verdict = check(
        "010780195;UC01;EFF_DELAI_PEC;2025-Q3;baseline;45,5;;;30;Évaluation réalisée",
        "010780195;UC01;EFF_DELAI_PEC;2025-q3;Pilote;38;;;31;",
        "010780195;UC03;QUA_READMISSION_30J;2025-09;référence;;5;40;40;",
        "010780195;UC03;QUA_READMISSION_30J;2025-09;pilot;10;4;40;40;",
        "2A0000014;UC17;ECO_COUT_SOLUTION;2025-T3;pilote;1 234,5;;;;",
    )
    assert verdict.issues == ()
    assert verdict.accepted
    assert verdict.n_rows == 5
    measurements = verdict.measurements
    assert measurements is not None
    assert measurements.columns == [
        "source_row",
        "finess",
        "use_case",
        "domain",
        "kpi",
        "period",
        "quarter",
        "phase",
        "value",
        "numerator",
        "denominator",
        "n_patients",
        "comment",
    ]
    rows = measurements.select(
        "source_row", "finess", "use_case", "domain", "kpi", "period", "quarter", "phase", "value"
    ).rows()
    assert rows == [
        (2, "010780195", "UC01", "EFF", "EFF_DELAI_PEC", "2025-T3", "2025-T3", "reference", 45.5),
        (3, "010780195", "UC01", "EFF", "EFF_DELAI_PEC", "2025-T3", "2025-T3", "pilote", 38.0),
        (4, "010780195", "UC03", "QUA", "QUA_READMISSION_30J", "2025-09", "2025-T3", "reference", 12.5),
        (5, "010780195", "UC03", "QUA", "QUA_READMISSION_30J", "2025-09", "2025-T3", "pilote", 10.0),
        (6, "2A0000014", "UC17", "ECO", "ECO_COUT_SOLUTION", "2025-T3", "2025-T3", "pilote", 1234.5),
    ]
    assert measurements["numerator"].to_list() == [None, None, 5.0, 4.0, None]
    assert measurements["denominator"].to_list() == [None, None, 40.0, 40.0, None]
    assert measurements["n_patients"].to_list() == [30, 31, 40, 40, None]
    assert measurements["comment"].to_list() == ["Évaluation réalisée", None, None, None, None]
    assert measurements.schema["value"] == pl.Float64


def test_rate_value_rounded_to_one_decimal_is_accepted(check) -> None:
    verdict = check("010780195;UC01;QUA_READMISSION_30J;2025-T3;pilote;33,3;1;3;;")
    assert verdict.accepted, verdict.issues
    assert verdict.measurements is not None
    assert verdict.measurements["value"].to_list() == [33.3]


def test_cells_are_trimmed_before_checking(check) -> None:
    verdict = check(" 010780195 ; UC01 ;EFF_DELAI_PEC; 2025-T3 ; pilote ; 45 ;;;;")
    assert verdict.accepted, verdict.issues
    assert verdict.measurements is not None
    assert verdict.measurements.row(0)[1:3] == ("010780195", "UC01")


LONG = "x" * 501

# (rows after the good row 2, expected errors as (rule, row, column as written)); inbox FINESS if any.
BAD_ROWS = [
    pytest.param([";UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;"], {("obligatoire", 3, "FINESS")}, None, id="obligatoire finess"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;;reference;45;;;;"], {("obligatoire", 3, "Période")}, None, id="obligatoire periode"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;;45;;;;"], {("obligatoire", 3, "Phase")}, None, id="obligatoire phase"),
    pytest.param(["10780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;"], {("finess_format", 3, "FINESS")}, None, id="finess_format 8 digits"),
    pytest.param(["10780195A;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;"], {("finess_format", 3, "FINESS")}, None, id="finess_format letter"),
    pytest.param(["960780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;"], {("finess_format", 3, "FINESS")}, None, id="finess_format 96"),
    pytest.param(["010780196;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;"], {("finess_cle", 3, "FINESS")}, None, id="finess_cle"),
    pytest.param(["010780906;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;"], {("finess_hors_dossier", 3, "FINESS")}, "010780195", id="finess_hors_dossier"),
    pytest.param(["010780195;UC18;EFF_DELAI_PEC;2025-T3;reference;45;;;;"], {("cas_usage_inconnu", 3, "Cas d'usage")}, None, id="cas_usage_inconnu"),
    pytest.param(["010780195;UC01;EFF_DELAI;2025-T3;reference;45;;;;"], {("indicateur_inconnu", 3, "Indicateur")}, None, id="indicateur_inconnu"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T5;reference;45;;;;"], {("periode_format", 3, "Période")}, None, id="periode_format T5"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;T3 2025;reference;45;;;;"], {("periode_format", 3, "Période")}, None, id="periode_format T3 2025"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2027-T1;reference;45;;;;"], {("periode_future", 3, "Période")}, None, id="periode_future quarter"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2026-12;reference;45;;;;"], {("periode_future", 3, "Période")}, None, id="periode_future month"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;deploiement;45;;;;"], {("phase_inconnue", 3, "Phase")}, None, id="phase_inconnue"),
    pytest.param(['010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;"12,5,3";;;;'], {("nombre_invalide", 3, "Valeur")}, None, id="nombre_invalide 12,5,3"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;abc;;;;"], {("nombre_invalide", 3, "Valeur")}, None, id="nombre_invalide abc"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45 min;;;;"], {("nombre_invalide", 3, "Valeur")}, None, id="nombre_invalide unit"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;trente;"], {("nombre_invalide", 3, "Effectif")}, None, id="nombre_invalide effectif"),
    pytest.param(["010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;;2,5;40;;"], {("nombre_entier", 3, "Numérateur")}, None, id="nombre_entier numerateur"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;-3;"], {("nombre_entier", 3, "Effectif")}, None, id="nombre_entier effectif negative"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;;;;30;"], {("valeur_manquante", 3, "Valeur")}, None, id="valeur_manquante"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;2000;;;;"], {("valeur_hors_plage", 3, "Valeur")}, None, id="valeur_hors_plage duration"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;-1;;;;"], {("valeur_hors_plage", 3, "Valeur")}, None, id="valeur_hors_plage negative"),
    pytest.param(["010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;140;140;100;;"], {("valeur_hors_plage", 3, "Valeur"), ("numerateur_superieur_denominateur", 3, "Numérateur")}, None, id="valeur_hors_plage rate 140"),
    pytest.param(["010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;140;;;;"], {("valeur_hors_plage", 3, "Valeur"), ("numerateur_requis", 3, "Numérateur")}, None, id="valeur_hors_plage rate 140 without num/den"),
    pytest.param(["010780195;UC01;ATT_TURNOVER;2025-T3;reference;12,5;;;;"], {("numerateur_requis", 3, "Numérateur")}, None, id="numerateur_requis"),
    pytest.param(["010780195;UC01;ATT_TURNOVER;2025-T3;reference;12,5;5;;;"], {("numerateur_requis", 3, "Numérateur")}, None, id="numerateur_requis without denominateur"),
    pytest.param(["010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;100;50;50;;", "010780195;UC01;QUA_READMISSION_30J;2025-T3;pilote;;50;40;;"], {("numerateur_superieur_denominateur", 4, "Numérateur"), ("valeur_hors_plage", 4, "Valeur")}, None, id="numerateur_superieur_denominateur"),
    pytest.param(["010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;;0;0;;"], {("denominateur_nul", 3, "Dénominateur")}, None, id="denominateur_nul"),
    pytest.param(["010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;20;5;40;;"], {("taux_incoherent", 3, "Valeur")}, None, id="taux_incoherent"),
    pytest.param(["010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;12,6;5;40;;"], {("taux_incoherent", 3, "Valeur")}, None, id="taux_incoherent beyond rounding"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-Q3;pilote;50;;;;"], {("doublon", 2, "Indicateur"), ("doublon", 3, "Indicateur")}, None, id="doublon T3 and Q3"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;pilot;50;;;;"], {("doublon", 2, "Indicateur"), ("doublon", 3, "Indicateur")}, None, id="doublon pilote and pilot"),
    pytest.param([f"010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;{LONG}"], {("commentaire_trop_long", 3, "Commentaire")}, None, id="commentaire_trop_long"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;contact jean.dupont@chu-lyon.fr"], {("donnee_personnelle", 3, "Commentaire")}, None, id="donnee_personnelle e-mail"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;rappeler au 06 12 34 56 78"], {("donnee_personnelle", 3, "Commentaire")}, None, id="donnee_personnelle phone"),
    pytest.param(["010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;patient 1 84 12 75 123 456 78"], {("donnee_personnelle", 3, "Commentaire")}, None, id="donnee_personnelle NIR"),
]  # fmt: skip


@pytest.mark.parametrize(("rows", "expected", "inbox_finess"), BAD_ROWS)
def test_bad_row_is_reported_with_rule_row_and_column(
    check, rows: list[str], expected: set[tuple[str, int, str]], inbox_finess: str | None
) -> None:
    verdict = check(GOOD, *rows, inbox_finess=inbox_finess)
    assert located(verdict) == expected
    assert not verdict.accepted
    assert verdict.measurements is None
    for issue in verdict.issues:
        assert issue.message
        assert "{" not in issue.message
        assert "}" not in issue.message


@pytest.mark.parametrize(
    ("row", "rule", "value"),
    [
        ("010780196;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;", "finess_cle", "010780196"),
        ('010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;"12,5,3";;;;', "nombre_invalide", "12,5,3"),
        ("010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;2000;;;;", "valeur_hors_plage", "2000"),
        ("010780195;UC01;EFF_DELAI_PEC;2025-T3;deploiement;45;;;;", "phase_inconnue", "deploiement"),
        ("010780195;UC01;EFF_DELAI_PEC;2027-T1;reference;45;;;;", "periode_future", "2027-T1"),
    ],
)
def test_issue_shows_the_cell_as_written(check, row: str, rule: str, value: str) -> None:
    (issue,) = check(row).errors
    assert (issue.rule, issue.value, issue.severity) == (rule, value, "error")
    assert value in issue.message


def test_out_of_range_message_names_the_plausible_range(check) -> None:
    (issue,) = check("010780195;UC01;EFF_DELAI_PEC;2025-T3;reference;2000;;;;").errors
    assert "EFF_DELAI_PEC : de 0 à 1440 minutes" in issue.message


def test_inconsistent_rate_message_gives_the_computed_rate(check) -> None:
    (issue,) = check("010780195;UC01;QUA_READMISSION_30J;2025-T3;reference;20;5;40;;").errors
    assert "12,5" in issue.message


def test_finess_of_the_inbox_folder_is_accepted(check) -> None:
    assert check(GOOD, inbox_finess="010780195").accepted


def test_every_bad_row_of_a_file_is_reported(check) -> None:
    verdict = check(
        GOOD,
        "010780196;UC01;EFF_DELAI_PEC;2025-T3;reference;45;;;;",
        GOOD.replace("2025-T3", "2025-T2"),
        "010780195;UC99;EFF_DELAI_PEC;2025-T2;reference;45;;;;",
    )
    assert located(verdict) == {("finess_cle", 3, "FINESS"), ("cas_usage_inconnu", 5, "Cas d'usage")}
    assert [issue.row for issue in verdict.issues] == sorted(issue.row for issue in verdict.issues)


def test_english_headers_are_reported_as_written(check) -> None:
    header = "finess,use_case,kpi,period,phase,value"
    verdict = check("010780195,UC01,EFF_DELAI_PEC,2025-T5,pilot,45", header=header)
    assert located(verdict) == {("periode_format", 2, "period")}


def test_unknown_extra_column_is_a_warning_and_the_file_is_accepted(check) -> None:
    verdict = check(GOOD + ";urgences", header=HEADER + ";Service")
    assert verdict.accepted
    assert verdict.errors == []
    (warning,) = verdict.issues
    assert (warning.rule, warning.row, warning.column, warning.severity) == (
        "colonne_ignoree",
        1,
        "Service",
        "warning",
    )
    assert "Service" in warning.message
    assert verdict.measurements is not None
    assert verdict.measurements.height == 1


def test_kpi_not_allowed_for_the_use_case(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, folder)
    kpis = yaml.safe_load((folder / "kpis.yaml").read_text(encoding="utf-8"))
    next(k for k in kpis if k["code"] == "QUA_DMS")["use_cases"] = ["UC02"]
    (folder / "kpis.yaml").write_text(yaml.safe_dump(kpis, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "kpi.csv"
    path.write_text(HEADER + "\n010780195;UC01;QUA_DMS;2025-T3;pilote;4;;;;\n", encoding="utf-8")
    verdict = validate_table(read_submission(path), load_catalogue(folder), today=TODAY)
    assert located(verdict) == {("indicateur_non_autorise", 2, "Indicateur")}


@pytest.mark.parametrize("rule", sorted(MESSAGES))
def test_every_rule_has_a_french_message_without_placeholders_left(rule: str) -> None:
    issue = make_issue(rule, row=3, column="Valeur", value="12,5", detail="0 à 100 %")
    assert issue.message.strip()
    assert "{" not in issue.message
    assert "}" not in issue.message
    echoed = None if rule in UNECHOED_RULES else "12,5"  # a comment's text is never repeated back
    assert (issue.rule, issue.row, issue.column, issue.value) == (rule, 3, "Valeur", echoed)


DECIMALS = [
    ("12,5", 12.5),
    ("12.5", 12.5),
    ("1 234,5", 1234.5),
    ("1\u202f234,5", 1234.5),
    ("1\u00a0234,5", 1234.5),
    ("-3", -3.0),
    ("0", 0.0),
    ("45", 45.0),
    ("abc", None),
    ("1,2,3", None),
    ("1.234,5", None),
    ("nan", None),
    ("inf", None),
    ("", None),
    ("  ", None),
    (None, None),
]


@pytest.mark.parametrize(("text", "number"), DECIMALS)
def test_parse_decimal(text: str | None, number: float | None) -> None:
    assert parse_decimal(text) == number


def test_a_whole_column_reads_numbers_as_a_single_cell_does(catalogue: Catalogue) -> None:
    """parse_cells casts a column at once and goes through the regexes only when some cell does not
    cast: either way each cell comes out as parse_decimal reads it alone."""
    texts = [text for text, _ in DECIMALS]
    plain = [
        text for text, number in DECIMALS if number is not None and not any(c in ", " for c in str(text))
    ]
    plain = [text for text in plain if not any(c.isspace() for c in str(text))]
    for column in (texts, plain):  # a column with commas and spaces, one that casts as it is
        frame = contract_columns([_table(pl.DataFrame({"valeur": column}, schema={"valeur": pl.String}))])
        read = parse_cells(frame.with_columns(pl.lit(0, pl.Int32).alias("_file")), catalogue)["valeur_num"]
        assert read.to_list() == [parse_decimal(text) for text in column]


def _table(cells: pl.DataFrame) -> SubmittedTable:
    frame = cells.with_row_index(ROW_COLUMN, offset=2).with_columns(pl.col(ROW_COLUMN).cast(pl.Int32))
    return SubmittedTable(frame=frame, headers={"valeur": "valeur"}, ignored_headers=(), file_format="csv")
