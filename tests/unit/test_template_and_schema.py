"""`tlkpi template` and `tlkpi schema`: what establishments fill in and validate with standard tools."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from flows.cli import app
from schemas.catalogue import default_catalogue
from schemas.columns import COLUMNS
from schemas.reading import read_submission
from schemas.validation import validate_table


def test_xlsx_template_has_french_labels_drop_downs_and_the_kpi_sheet(tmp_path: Path) -> None:
    target = tmp_path / "modele.xlsx"
    result = CliRunner().invoke(app, ["template", "--use-case", "UC05", "--output", str(target)])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(target)
    assert workbook.sheetnames == ["indicateurs", "catalogue", "cas_usage"]
    sheet = workbook["indicateurs"]
    assert [cell.value for cell in sheet[1]] == [column.label for column in COLUMNS]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["B2"] == "cas_usage!$A$2:$A$18" and lists["C2"] == "catalogue!$A$2:$A$14"
    assert lists["E2"] == '"reference,pilote"'
    kpi_codes = [row[0].value for row in workbook["catalogue"].iter_rows(min_row=2)]
    assert kpi_codes == list(default_catalogue().kpis)
    prefilled = [(r[1].value, r[2].value) for r in sheet.iter_rows(min_row=2)]
    assert prefilled == [("UC05", code) for code in default_catalogue().kpis]


def test_a_filled_template_is_accepted(tmp_path: Path) -> None:
    target = tmp_path / "modele.xlsx"
    CliRunner().invoke(app, ["template", "--output", str(target)])
    workbook = openpyxl.load_workbook(target)
    sheet = workbook["indicateurs"]
    sheet.append(
        ["010780195", "UC05", "EFF_DELAI_PEC", "2025-T3", "pilote", 42.5, None, None, 40, "Évaluation"]
    )
    sheet.append(["010780195", "UC05", "QUA_READMISSION_30J", "2025-09", "pilote", None, 5, 40, None, None])
    workbook.save(target)
    verdict = validate_table(read_submission(target), default_catalogue(), today=date(2026, 11, 22))
    assert verdict.accepted, verdict.issues
    assert verdict.measurements is not None and verdict.measurements["value"].to_list() == [42.5, 12.5]


def test_csv_template_opens_in_french_excel(tmp_path: Path) -> None:
    target = tmp_path / "modele.csv"
    CliRunner().invoke(app, ["template", "--format", "csv", "--output", str(target)])
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfFINESS;Cas d'usage;Indicateur;P\xc3\xa9riode;")


def test_an_unknown_use_case_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["template", "--use-case", "UC99", "--output", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2


def test_table_schema_describes_every_column_with_the_contract_rules() -> None:
    result = CliRunner().invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert [f["name"] for f in schema["fields"]] == [c.name for c in COLUMNS]
    assert [f["title"] for f in schema["fields"]] == [c.label for c in COLUMNS]
    assert schema["primaryKey"] == ["finess", "cas_usage", "indicateur", "periode", "phase"]
    fields = {f["name"]: f for f in schema["fields"]}
    finess = re.compile(fields["finess"]["constraints"]["pattern"])
    assert all(finess.match(f) for f in ["010780195", "2A0000014", "971000013"])
    assert not any(finess.match(f) for f in ["10780195", "0107801950", "960000000"])
    assert fields["indicateur"]["constraints"]["enum"] == sorted(default_catalogue().kpis)
    assert all(f["example"] for f in schema["fields"])
