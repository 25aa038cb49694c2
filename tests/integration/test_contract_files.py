"""Files as establishments really make them, through validation into the warehouse and back."""

from __future__ import annotations

import math
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.catalogue import default_catalogue
from schemas.reading import read_submission
from schemas.validation import validate_table
from warehouse.db import open_warehouse
from warehouse.history import read_history
from warehouse.load import SubmissionRecord, load_accepted
from warehouse.reference import sync_catalogue

TODAY = date(2026, 11, 22)

# What Excel (French locale) writes with "CSV (séparateur : point-virgule)": cp1252, CRLF, no BOM,
# decimal comma, quotes only around fields that need them.
EXCEL_FR_CSV = (
    "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Numérateur;Dénominateur;Effectif;Commentaire\r\n"
    "010780195;UC05;EFF_DELAI_PEC;2024-T4;référence;58,3;;;120;\r\n"
    '010780195;UC05;EFF_DELAI_PEC;2025-T3;pilote;41,7;;;131;"Baisse nette; équipe formée en août"\r\n'
    "010780195;UC05;QUA_READMISSION_30J;2025-09;pilote;8,3;3;36;;\r\n"
).encode("cp1252")


def validate(path: Path):
    return validate_table(read_submission(path), default_catalogue(), today=TODAY, inbox_finess="010780195")


def test_a_french_csv_saved_by_excel_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "indicateurs.csv"
    path.write_bytes(EXCEL_FR_CSV)
    verdict = validate(path)
    assert verdict.accepted, verdict.issues
    assert verdict.measurements is not None
    assert verdict.measurements["value"].to_list() == [58.3, 41.7, 8.3]
    assert verdict.measurements["comment"].to_list()[1] == "Baisse nette; équipe formée en août"
    assert verdict.measurements["phase"].to_list() == ["reference", "pilote", "pilote"]


def test_an_xlsx_made_by_openpyxl_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "tableau_de_bord.xlsx"
    workbook = openpyxl.Workbook()
    notice = workbook.active
    notice.title = "Notice"
    notice["A1"] = "Remplir la feuille indicateurs"
    sheet = workbook.create_sheet("indicateurs")
    sheet.append(["FINESS", "Cas d'usage", "Indicateur", "Période", "Phase", "Valeur", "Effectif"])
    sheet.append(["010780195", "UC05", "QUA_DMS", "2025-T3", "pilote", 6.5, 44])
    sheet.append(["010780195", "UC05", "QUA_SATISFACTION", "2025-T3", "pilote", 81, 52])
    workbook.save(path)
    verdict = validate(path)
    assert verdict.accepted, verdict.issues
    assert verdict.measurements is not None
    assert verdict.measurements.select("source_row", "kpi", "value").rows() == [
        (2, "QUA_DMS", 6.5),
        (3, "QUA_SATISFACTION", 81.0),
    ]


VALUES = st.floats(min_value=0, max_value=1440, allow_nan=False).map(lambda v: round(v, 3))


@settings(max_examples=25, deadline=None)
@given(values=st.lists(VALUES, min_size=1, max_size=8), comma=st.booleans())
def test_round_trip_file_to_warehouse_returns_the_same_values(values: list[float], comma: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_round_trip(Path(folder), values, comma)


def check_round_trip(tmp_path: Path, values: list[float], comma: bool) -> None:
    lines = ["finess;cas_usage;indicateur;periode;phase;valeur;effectif"]
    for month, value in enumerate(values, start=1):
        text = repr(value).replace(".", ",") if comma else repr(value)
        lines.append(f"010780195;UC05;EFF_DELAI_PEC;2025-{month:02d};pilote;{text};{month}")
    path = tmp_path / f"rt_{len(values)}_{comma}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    verdict = validate(path)
    assert verdict.accepted and verdict.measurements is not None
    with open_warehouse(tmp_path / f"w_{len(values)}_{comma}.duckdb") as con:
        sync_catalogue(con, default_catalogue())
        record = SubmissionRecord(
            str(hash(path.read_bytes())), path.name, path.name, None, TODAY, str(path), None
        )  # type: ignore[arg-type]
        load_accepted(con, record, verdict.measurements.to_arrow())
        stored = con.execute("SELECT period, value, n_patients FROM measurement ORDER BY period").fetchall()
    assert stored == [(f"2025-{m:02d}", v, m) for m, v in enumerate(values, start=1)]
    assert all(math.isfinite(v) for _, v, _ in stored)


def test_a_value_far_from_the_history_is_a_warning_not_a_rejection(tmp_path: Path) -> None:
    first = tmp_path / "t3.csv"
    first.write_bytes(EXCEL_FR_CSV)
    verdict = validate(first)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        sync_catalogue(con, default_catalogue())
        record = SubmissionRecord("a" * 64, "t3.csv", "t3.csv", "010780195", TODAY, str(first), None)  # type: ignore[arg-type]
        assert verdict.measurements is not None
        load_accepted(con, record, verdict.measurements.to_arrow())
        history = read_history(con, ["010780195"])
    later = tmp_path / "t4.csv"
    later.write_text(
        "finess;cas_usage;indicateur;periode;phase;valeur;effectif\n"
        "010780195;UC05;EFF_DELAI_PEC;2025-T4;pilote;400;120\n"  # ten times the 41,7 minutes of T3
        "010780195;UC05;EFF_DELAI_PEC;2026-01;pilote;45;120\n",  # a month of another quarter: no double count
        encoding="utf-8",
    )
    again = validate_table(read_submission(later), default_catalogue(), today=TODAY, history=history)
    assert again.accepted
    assert [(i.rule, i.row, i.severity) for i in again.issues] == [("valeur_inhabituelle", 2, "warning")]
    assert "41,7" in again.issues[0].message
