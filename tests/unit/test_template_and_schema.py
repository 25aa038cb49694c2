"""`tlkpi template` and `tlkpi schema`: what establishments fill in and validate with standard tools."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas.catalogue import default_catalogue
from schemas.columns import COLUMNS
from schemas.reading import read_submission
from schemas.template import example_rows, write_template_xlsx
from schemas.validation import validate_table
from tlkpi.errors import SubmissionError


def test_xlsx_template_has_french_labels_drop_downs_and_the_kpi_sheet(tmp_path: Path) -> None:
    target = tmp_path / "modele.xlsx"
    result = CliRunner().invoke(app, ["template", "--use-case", "UC05", "--output", str(target)])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["indicateurs", "À lire", "catalogue", "cas_usage"]
    assert workbook.active.title == "À lire"  # opens on the instructions; the reader takes `indicateurs`
    sheet = workbook["indicateurs"]
    assert [cell.value for cell in sheet[1]] == [column.label for column in COLUMNS]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["B2"] == "cas_usage!$A$2:$A$18" and lists["C2"] == "catalogue!$A$2:$A$15"
    assert lists["E2"] == '"reference,pilote"'
    kpi_codes = [row[0].value for row in workbook["catalogue"].iter_rows(min_row=2)]
    assert kpi_codes == list(default_catalogue().kpis)
    assert [cell.value for row in sheet.iter_rows(min_row=2) for cell in row if cell.value] == []
    readme = [cell.value for row in workbook["À lire"].iter_rows() for cell in row if cell.value]
    assert "Indicateurs du cas d'usage UC05" in readme and "QUA_DMS" in readme


def column_format(sheet: Any, index: int) -> str:
    """The number format of column `index` (1-based): what a cell typed there gets in Excel."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= index <= dimension.max:
            return str(dimension.number_format)
    return "General"


def test_codes_finess_and_periods_are_text_columns(tmp_path: Path) -> None:
    target = tmp_path / "modele.xlsx"
    CliRunner().invoke(app, ["template", "--output", str(target)])
    sheet = openpyxl.load_workbook(target)["indicateurs"]
    formats = {column.label: column_format(sheet, index) for index, column in enumerate(COLUMNS, start=1)}
    assert formats == {
        "FINESS": "@", "Cas d'usage": "@", "Indicateur": "@", "Période": "@", "Phase": "@",
        "Valeur": "General", "Numérateur": "General", "Dénominateur": "General", "Effectif": "General",
        "Commentaire": "@",
    }  # fmt: skip
    assert sheet.max_row == 1  # no empty row for other tools to trip on


def test_an_untouched_template_has_nothing_to_delete(tmp_path: Path) -> None:
    target = tmp_path / "modele.xlsx"
    CliRunner().invoke(app, ["template", "--use-case", "UC05", "--output", str(target)])
    with pytest.raises(SubmissionError) as refused:
        read_submission(target)
    assert refused.value.rule == "fichier_vide"  # not 39 errors on rows the clerk did not write


def test_the_examples_of_the_readme_sheet_pass_the_checks(tmp_path: Path) -> None:
    path = tmp_path / "exemple.csv"
    lines = [";".join(c.label for c in COLUMNS)] + [";".join(row) for row in example_rows("010780195")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    verdict = validate_table(read_submission(path), default_catalogue(), today=date(2026, 11, 22))
    assert verdict.accepted and not verdict.issues, verdict.issues


def test_the_portal_template_offers_only_the_establishments_finess(tmp_path: Path) -> None:
    target = tmp_path / "modele.xlsx"
    write_template_xlsx(target, default_catalogue(), None, finess="2A0000014")
    sheet = openpyxl.load_workbook(target)["indicateurs"]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["A2"] == '"2A0000014"'


def test_template_never_overwrites_a_file_without_force(tmp_path: Path) -> None:
    target = tmp_path / "modele.csv"
    target.write_text("déjà rempli", encoding="utf-8")
    refused = CliRunner().invoke(app, ["template", "--format", "csv", "--output", str(target)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert target.read_text(encoding="utf-8") == "déjà rempli"
    forced = CliRunner().invoke(app, ["template", "--format", "csv", "--output", str(target), "--force"])
    assert forced.exit_code == 0 and target.read_bytes().startswith(b"\xef\xbb\xbfFINESS;")


def test_a_filled_template_is_accepted(tmp_path: Path) -> None:
    target = tmp_path / "modele.xlsx"
    CliRunner().invoke(app, ["template", "--output", str(target)])
    workbook = openpyxl.load_workbook(target)
    sheet = workbook["indicateurs"]
    filled = [
        ["010780195", "UC05", "EFF_DELAI_PEC", "2025-T3", "pilote", 42.5, None, None, 40, "Évaluation"],
        ["010780195", "UC05", "QUA_READMISSION_30J", "2025-09", "pilote", None, 5, 40, None, None],
    ]
    for row, values in enumerate(filled, start=2):
        for col, value in enumerate(values, start=1):
            sheet.cell(row=row, column=col, value=value)
    workbook.save(target)
    verdict = validate_table(read_submission(target), default_catalogue(), today=date(2026, 11, 22))
    assert verdict.accepted, verdict.issues
    assert verdict.measurements is not None and verdict.measurements["value"].to_list() == [42.5, 12.5]
    assert verdict.measurements["source_row"].to_list() == [2, 3]


def test_csv_template_opens_in_french_excel(tmp_path: Path) -> None:
    target = tmp_path / "modele.csv"
    CliRunner().invoke(app, ["template", "--format", "csv", "--output", str(target)])
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfFINESS;Cas d'usage;Indicateur;P\xc3\xa9riode;")


def test_an_unknown_use_case_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["template", "--use-case", "UC99", "--output", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2


def test_table_schema_describes_every_column_with_the_contract_rules() -> None:
    result = CliRunner().invoke(app, ["schema", "--headers", "names"])
    schema = json.loads(result.output)
    assert [f["name"] for f in schema["fields"]] == [c.name for c in COLUMNS]
    assert [f["title"] for f in schema["fields"]] == [c.label for c in COLUMNS]
    assert schema["primaryKey"] == ["finess", "cas_usage", "indicateur", "periode", "phase"]
    fields = {f["name"]: f for f in schema["fields"]}
    finess = re.compile(fields["finess"]["constraints"]["pattern"])
    assert all(finess.match(f) for f in ["010780195", "2A0000014", "971000013"])
    assert not any(finess.match(f) for f in ["10780195", "0107801950", "960000000"])
    assert fields["indicateur"]["constraints"]["enum"] == sorted(default_catalogue().kpis)
    assert (fields["valeur"]["type"], fields["valeur"]["decimalChar"]) == ("number", ".")
    assert all(f["example"] for f in schema["fields"])


def test_the_default_schema_names_fields_as_the_template_writes_them() -> None:
    schema = json.loads(CliRunner().invoke(app, ["schema"]).output)
    assert [f["name"] for f in schema["fields"]] == [c.label for c in COLUMNS]
    assert schema["primaryKey"] == ["FINESS", "Cas d'usage", "Indicateur", "Période", "Phase"]
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["Valeur"]["decimalChar"] == ","
    phase = re.compile(fields["Phase"]["constraints"]["pattern"])
    assert all(phase.match(p) for p in ["pilote", "Pilote", "PILOT", "Référence", "baseline "])
    assert not phase.match("pilotes")
    aliases = json.loads(CliRunner().invoke(app, ["schema", "--headers", "aliases"]).output)
    assert [f["name"] for f in aliases["fields"]] == [c.alias for c in COLUMNS]
