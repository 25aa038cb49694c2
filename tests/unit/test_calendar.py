"""reference/experimentations.csv: the programme's calendar is read whole or refused with a French
error naming the row and column; its Table Schema accepts what the reader accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from frictionless import Resource, Schema, validate

from schemas.calendar import CalendarEntry, CalendarError, calendar_table_schema, read_calendar
from schemas.catalogue import default_catalogue
from schemas.finess import with_check_key

A, B = with_check_key("35000001"), with_check_key("29000002")
MISTYPED = A[:-1] + str((int(A[-1]) + 1) % 10)  # the check key typed wrong
HEADER = "finess,use_case,start_quarter,end_quarter\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "experimentations.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_entries_are_read_and_say_which_quarters_they_run(tmp_path: Path) -> None:
    path = write(tmp_path, f"{B},UC02,2025-Q1,\n{A},UC01,2024-T4,2025-T2\n")
    entries = read_calendar(path, default_catalogue())
    assert entries == sorted(
        [CalendarEntry(B, "UC02", "2025-T1", None), CalendarEntry(A, "UC01", "2024-T4", "2025-T2")]
    )
    first = next(e for e in entries if e.finess == A)
    assert [first.runs_in(q) for q in ("2024-T3", "2024-T4", "2025-T2", "2025-T3")] == [
        False,
        True,
        True,
        False,
    ]
    assert next(e for e in entries if e.finess == B).runs_in("2031-T4")


def test_no_file_means_no_calendar(tmp_path: Path) -> None:
    assert read_calendar(tmp_path / "experimentations.csv", default_catalogue()) is None


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (f"{A},UC01,2025-T5,\n", "ligne 2, colonne « start_quarter »"),
        (
            f"{A},UC01,2025-T3,2025-T1\n",
            "ligne 2, colonne « end_quarter » : le dernier trimestre (2025-T1) précède",
        ),
        (f"{A},UC01,2025-T3,2025-09\n", "ligne 2, colonne « end_quarter »"),
        (f"{A},UC99,2025-T3,\n", "ligne 2, colonne « use_case » : « UC99 » n'est pas un cas d'usage"),
        (f"{A},UC01,2025-T1,\n{MISTYPED},UC01,2025-T1,\n", "ligne 3, colonne « finess »"),
        (f"{A},UC01,2025-T1,\n{A},UC01,2025-T2,\n", "ligne 3 : l'expérimentation"),
    ],
)
def test_a_bad_row_is_refused_naming_row_and_column(tmp_path: Path, body: str, where: str) -> None:
    with pytest.raises(CalendarError) as caught:
        read_calendar(write(tmp_path, body), default_catalogue())
    assert f"experimentations.csv, {where}" in str(caught.value)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "experimentations.csv"
    path.write_text(f"finess,use_case,start\n{A},UC01,2025-T1\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="colonne\\(s\\) absente\\(s\\) : start_quarter, end_quarter"):
        read_calendar(path, default_catalogue())


def test_the_table_schema_accepts_a_good_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    schema = Schema.from_descriptor(calendar_table_schema(default_catalogue()))
    good = write(tmp_path, f"{A},UC01,2024-T4,2025-T2\n{B},UC02,2025-T1,\n")
    assert validate(Resource(path=good.name, basepath=str(tmp_path), schema=schema)).valid
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"{A},UC01,2024-T5,\n{A},UC01,2025-T1,\n", encoding="utf-8")
    report = validate(Resource(path=bad.name, basepath=str(tmp_path), schema=schema))
    assert {row[0] for row in report.flatten(["type"])} == {"constraint-error", "primary-key"}
