"""Reading submitted files (CSV, XLSX, Parquet) into string tables with the row numbers users see."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schemas.columns import REQUIRED
from schemas.reading import ROW_COLUMN, Limits, SubmittedTable, read_submission
from tlkpi.errors import SubmissionError

HEADER = "finess,cas_usage,indicateur,periode,phase,valeur"
ROW = "010780195,UC01,EFF_DELAI_PEC,2025-T3,pilote,12.5"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def column(table: SubmittedTable, name: str) -> list:
    return table.frame[name].to_list()


def test_csv_utf8_with_commas(tmp_path: Path) -> None:
    table = read_submission(write(tmp_path, "kpi.csv", f"{HEADER}\n{ROW}\n"))
    assert table.file_format == "csv"
    assert table.frame.columns == [*REQUIRED, "valeur", ROW_COLUMN]
    assert table.frame.row(0) == ("010780195", "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", "12.5", 2)
    assert table.ignored_headers == ()


def test_csv_utf8_with_bom(tmp_path: Path) -> None:
    path = write(
        tmp_path, "kpi.csv", ("\ufeffFINESS,Cas d'usage,Indicateur,Période,Phase,Valeur\n" + ROW).encode()
    )
    table = read_submission(path)
    assert table.headers["finess"] == "FINESS"
    assert table.headers["periode"] == "Période"
    assert column(table, "finess") == ["010780195"]


def test_french_excel_csv_cp1252_semicolon_decimal_comma_crlf(tmp_path: Path) -> None:
    text = (
        "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Commentaire\r\n"
        "010780195;UC01;EFF_DELAI_PEC;2025-T3;référence;12,5;Évaluation réalisée\r\n"
        "010780906;UC01;EFF_DELAI_PEC;2025-T3;pilote;9,75;\r\n"
    )
    table = read_submission(write(tmp_path, "export.csv", text.encode("cp1252")))
    assert table.headers == {
        "finess": "FINESS",
        "cas_usage": "Cas d'usage",
        "indicateur": "Indicateur",
        "periode": "Période",
        "phase": "Phase",
        "valeur": "Valeur",
        "commentaire": "Commentaire",
    }
    assert column(table, "valeur") == ["12,5", "9,75"]
    assert column(table, "phase") == ["référence", "pilote"]
    assert column(table, "commentaire") == ["Évaluation réalisée", None]
    assert column(table, ROW_COLUMN) == [2, 3]


def test_quoted_field_may_hold_the_separator(tmp_path: Path) -> None:
    text = (
        "finess;cas_usage;indicateur;periode;phase;valeur;commentaire\n"
        '010780195;UC01;QUA_DMS;2025-T3;pilote;"4,5";"avant; après ""pilote"""\n'
    )
    table = read_submission(write(tmp_path, "kpi.csv", text))
    assert column(table, "valeur") == ["4,5"]
    assert column(table, "commentaire") == ['avant; après "pilote"']


def test_codes_stay_strings(tmp_path: Path) -> None:
    text = f"{HEADER}\n010780195,UC01,QUA_DMS,2025-09,pilote,3\n2A0000014,UC01,QUA_DMS,2025-09,pilote,007\n"
    table = read_submission(write(tmp_path, "kpi.csv", text))
    assert column(table, "finess") == ["010780195", "2A0000014"]
    assert column(table, "periode") == ["2025-09", "2025-09"]
    assert column(table, "valeur") == ["3", "007"]


def test_row_numbers_count_the_header_as_row_one(tmp_path: Path) -> None:
    table = read_submission(write(tmp_path, "kpi.csv", f"{HEADER}\n{ROW}\n{ROW}\n{ROW}\n"))
    assert column(table, ROW_COLUMN) == [2, 3, 4]


def test_unknown_headers_are_kept_aside(tmp_path: Path) -> None:
    table = read_submission(write(tmp_path, "kpi.csv", f"{HEADER},Service\n{ROW},urgences\n"))
    assert table.ignored_headers == ("Service",)
    assert "Service" not in table.frame.columns


def write_workbook(path: Path) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    notice = workbook.add_worksheet("Notice")
    notice.write(0, 0, "Remplissez la feuille « indicateurs ».")
    sheet = workbook.add_worksheet("indicateurs")
    sheet.write_row(0, 0, ["FINESS", "Cas d'usage", "Indicateur", "Période", "Phase", "Valeur", "Effectif"])
    sheet.write_row(1, 0, ["010780195", "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 12.0, 40])
    # row 3 of the sheet is left empty: the next measurement is on Excel row 4
    sheet.write_row(3, 0, ["2A0000014", "UC01", "QUA_DMS", "2025-09", "référence", 12.5])
    workbook.close()
    return path


def test_xlsx_reads_the_indicateurs_sheet_with_excel_row_numbers(tmp_path: Path) -> None:
    table = read_submission(write_workbook(tmp_path / "kpi.xlsx"))
    assert table.file_format == "xlsx"
    assert column(table, "finess") == ["010780195", "2A0000014"]
    assert column(table, ROW_COLUMN) == [2, 4]
    assert column(table, "valeur") == ["12", "12.5"]
    assert column(table, "effectif") == ["40", None]
    assert column(table, "phase") == ["pilote", "référence"]
    assert table.headers["periode"] == "Période"


def test_xlsx_without_indicateurs_sheet_reads_the_first_sheet(tmp_path: Path) -> None:
    path = tmp_path / "kpi.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    first = workbook.add_worksheet("Feuil1")
    first.write_row(0, 0, HEADER.split(","))
    first.write_row(1, 0, ROW.split(","))
    workbook.add_worksheet("Feuil2").write(0, 0, "autre chose")
    workbook.close()
    table = read_submission(path)
    assert column(table, "indicateur") == ["EFF_DELAI_PEC"]
    assert column(table, ROW_COLUMN) == [2]


def test_parquet_numbers_become_strings(tmp_path: Path) -> None:
    path = tmp_path / "kpi.parquet"
    frame = pa.table(
        {
            "finess": ["010780195", "2A0000014"],
            "cas_usage": ["UC01", "UC01"],
            "indicateur": ["QUA_DMS", "QUA_DMS"],
            "periode": ["2025-T3", "2025-T3"],
            "phase": ["pilote", "reference"],
            "valeur": pa.array([12.0, 12.5], type=pa.float64()),
            "effectif": pa.array([40, None], type=pa.int64()),
        }
    )
    pq.write_table(frame, path)
    table = read_submission(path)
    assert table.file_format == "parquet"
    assert column(table, "finess") == ["010780195", "2A0000014"]
    assert column(table, "valeur") == ["12", "12.5"]
    assert column(table, "effectif") == ["40", None]
    assert column(table, ROW_COLUMN) == [1, 2]


def random_bytes(size: int) -> bytes:
    return bytes((index * 97 + 13) % 251 + 1 for index in range(size))  # no NUL, not a zip


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        pytest.param("kpi.csv", b"", "fichier_vide", id="0-byte file"),
        pytest.param("kpi.csv", b"\r\n  \r\n", "fichier_vide", id="blank lines only"),
        pytest.param("kpi.csv", b"\xef\xbb\xbf\r\n", "fichier_vide", id="UTF-8 BOM and a blank line"),
        pytest.param("kpi.csv", b"\xef\xbb\xbf\x81\x8d\n", "encodage", id="neither UTF-8 nor cp1252"),
        pytest.param(
            "kpi.csv", b"PK\x03\x04\x00\x00\x08\x00" + random_bytes(64), "fichier_illisible", id="binary csv"
        ),
        pytest.param("kpi.xlsx", random_bytes(300), "fichier_illisible", id="corrupt xlsx"),
        pytest.param("kpi.parquet", random_bytes(300), "fichier_illisible", id="corrupt parquet"),
        pytest.param("kpi.docx", b"PK\x03\x04 word document", "format_non_accepte", id="docx"),
        pytest.param("kpi", HEADER.encode(), "format_non_accepte", id="no extension"),
        pytest.param("kpi.csv", b'finess,cas_usage\n"010780195,UC01\n', "csv_mal_forme", id="unclosed quote"),
    ],
)
def test_unreadable_files_are_refused_with_a_rule(
    tmp_path: Path, name: str, content: bytes, rule: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(SubmissionError) as caught:
        read_submission(path)
    assert caught.value.rule == rule
    assert caught.value.path == str(path)
    assert caught.value.message


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path, "kpi.csv", "finess,cas_usage,periode,phase,valeur\n010780195,UC01,2025-T3,pilote,1\n"
    )
    with pytest.raises(SubmissionError) as caught:
        read_submission(path)
    assert caught.value.rule == "colonne_manquante"
    assert caught.value.row == 1
    assert caught.value.column == "indicateur"
    assert "indicateur" in caught.value.message


@pytest.mark.parametrize(
    ("header", "second"),
    [
        pytest.param(
            "finess,cas_usage,indicateur,periode,phase,valeur,Value", "Value", id="valeur and Value"
        ),
        pytest.param(
            "finess,cas_usage,indicateur,Période,phase,valeur,period", "period", id="Période and period"
        ),
        pytest.param(
            "finess,cas_usage,indicateur,periode,phase,valeur,valeur",
            "valeur",
            id="valeur twice",
        ),
    ],
)
def test_two_headers_for_the_same_column_are_refused(tmp_path: Path, header: str, second: str) -> None:
    text = f"{header}\n010780195,UC01,QUA_DMS,2025-T3,pilote,1,2025-T3\n"
    with pytest.raises(SubmissionError) as caught:
        read_submission(write(tmp_path, "kpi.csv", text))
    assert caught.value.rule == "colonne_en_double"
    assert caught.value.column == second


def test_file_above_the_byte_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "kpi.csv", f"{HEADER}\n{ROW}\n")
    with pytest.raises(SubmissionError) as caught:
        read_submission(path, Limits(max_bytes=10))
    assert caught.value.rule == "fichier_trop_gros"


@pytest.mark.parametrize("name", ["kpi.csv", "kpi.xlsx"])
def test_file_above_the_row_limit_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        write(tmp_path, name, f"{HEADER}\n{ROW}\n{ROW}\n")
    else:
        workbook = xlsxwriter.Workbook(str(path))
        sheet = workbook.add_worksheet("indicateurs")
        for index, line in enumerate([HEADER, ROW, ROW]):
            sheet.write_row(index, 0, line.split(","))
        workbook.close()
    assert read_submission(path, Limits(max_rows=2)).frame.height == 2
    with pytest.raises(SubmissionError) as caught:
        read_submission(path, Limits(max_rows=1))
    assert caught.value.rule == "fichier_trop_gros"


def test_apostrophes_in_a_comment_do_not_fool_the_separator_sniffing(tmp_path: Path) -> None:
    text = (
        "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur;Commentaire\r\n"
        "010780195;UC01;EFF_DELAI_PEC;2025-T3;pilote;12,5;Baisse de l'activité, 'grève'\r\n"
    )
    table = read_submission(write(tmp_path, "export.csv", text.encode("cp1252")))
    assert column(table, "commentaire") == ["Baisse de l'activité, 'grève'"]


# Cells a person may type: no control characters, surrogates or Unicode line separators.
CELL = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)
TEXT_COLUMNS = [*REQUIRED, "commentaire"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(*[CELL] * len(TEXT_COLUMNS)), min_size=1, max_size=6),
    separator=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_csv_round_trip(tmp_path: Path, rows: list[tuple[str, ...]], separator: str, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(TEXT_COLUMNS)
    writer.writerows(rows)
    try:
        data = buffer.getvalue().encode(encoding)
    except UnicodeEncodeError:
        assume(False)
        return
    if encoding == "cp1252":
        # bytes that are also valid UTF-8 (e.g. "Ã©") are read as UTF-8 by design: UTF-8 is tried first
        try:
            data.decode("utf-8")
            assume(data.decode("utf-8") == data.decode("cp1252"))
        except UnicodeDecodeError:
            pass
    path = tmp_path / "round_trip.csv"
    path.write_bytes(data)
    table = read_submission(path)
    expected = [tuple(cell or None for cell in row) for row in rows]
    assert table.frame.select(TEXT_COLUMNS).rows() == expected
    assert column(table, ROW_COLUMN) == list(range(2, len(rows) + 2))


def test_a_csv_wider_than_the_column_cap_is_refused_from_its_header(tmp_path: Path) -> None:
    header = HEADER + "".join(f",extra_{number}" for number in range(100_000))
    path = write(tmp_path, "large.csv", f"{header}\n{ROW}{',' * 100_000}\n")
    with pytest.raises(SubmissionError) as refused:
        read_submission(path, Limits(max_columns=200))
    assert (refused.value.rule, refused.value.row) == ("fichier_trop_gros", 1)
    assert "100006 colonnes, au-delà de la limite de 200" in refused.value.message


def test_reading_stops_at_the_files_time_budget(tmp_path: Path) -> None:
    from schemas.bounds import CheckTimeout

    path = write(tmp_path, "kpi.csv", f"{HEADER},note\n{ROW},rien\n")
    with pytest.raises(CheckTimeout):
        read_submission(path, Limits(seconds_per_file=1e-9))
    assert read_submission(path, Limits(seconds_per_file=60)).frame.height == 1


TEXT = f"{HEADER},commentaire\n" + f"{ROW},vu en réunion\n" * 200  # 11 KB


@pytest.mark.parametrize(
    ("content", "row"),
    [
        pytest.param(TEXT.encode() + f"{ROW},a\x00b\n".encode(), 202, id="NUL after the first 4 KB"),
        pytest.param(TEXT.encode("utf-16") + "a\x00b\n".encode("utf-16-le"), 202, id="NUL in UTF-16"),
        pytest.param(TEXT.encode() + f"{ROW},répété\n".encode("cp1252"), 202, id="UTF-8 then cp1252"),
        pytest.param(TEXT.encode("utf-32"), None, id="UTF-32 with BOM"),
        pytest.param(TEXT.encode("utf-32-le"), None, id="UTF-32 without BOM"),
    ],
)
def test_nul_bytes_mixed_and_unknown_encodings_are_refused_as_encoding(
    tmp_path: Path, content: bytes, row: int | None
) -> None:
    with pytest.raises(SubmissionError) as refused:
        read_submission(write(tmp_path, "kpi.csv", content))
    assert refused.value.rule == "encodage"
    assert refused.value.row == row
    assert "\x00" not in refused.value.message


def test_a_formula_with_its_computed_value_saved_is_read(tmp_path: Path) -> None:
    """The counterpart of `formule_non_calculee`: a workbook saved by a spreadsheet keeps its values."""
    import zipfile

    path = tmp_path / "kpi.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("indicateurs")
    sheet.write_row(0, 0, HEADER.split(","))
    sheet.write_row(1, 0, ROW.split(",")[:5])
    sheet.write_formula(1, 5, "=10+2.5", None, 12.5)
    workbook.close()
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(saved, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":  # as Excel saves it: nothing asks to recalculate
                content = content.replace(b' fullCalcOnLoad="1"', b"")
            target.writestr(info.filename, content)
    assert column(read_submission(saved), "valeur") == ["12.5"]
    with pytest.raises(SubmissionError) as stale:
        read_submission(path)
    assert (stale.value.rule, stale.value.row, stale.value.column) == ("formule_non_calculee", 2, "F")


def test_a_parquet_timestamp_gives_the_same_month_whatever_its_time_zone(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    instant = datetime(2025, 9, 30, 22, 30, tzinfo=UTC)  # 1 October, 00:30 in Paris
    months = []
    for zone in ("UTC", "America/New_York", "Asia/Tokyo"):
        stamps = pa.array([instant], pa.timestamp("us", tz=zone))
        codes = {name: [value] for name, value in zip(HEADER.split(","), ROW.split(","), strict=True)}
        path = tmp_path / f"kpi_{zone.replace('/', '_')}.parquet"
        pq.write_table(pa.table({**codes, "periode": stamps}), path)
        months.append(column(read_submission(path), "periode")[0])
    assert months == ["2025-10"] * 3
