"""Standard tools agree with the pipeline: `frictionless validate --schema-sync` with the published Table
Schema of the file's header style accepts the filled template (XLSX and CSV) and the accepted demo files
in every header style, and refuses what the pipeline refuses.

How: one schema per header style (`tlkpi schema --headers labels|names|aliases`), because standard tools
match a header to a field by its exact name; `--schema-sync` lets a file omit optional columns.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
from frictionless import Detector, Resource, Schema, formats

from demo.demo_data import generate_demo
from schemas.catalogue import default_catalogue
from schemas.columns import COLUMNS
from schemas.reading import read_submission
from schemas.table_schema import HEADER_STYLES, table_schema
from schemas.template import write_template_csv, write_template_xlsx
from schemas.validation import validate_table

TODAY = date(2026, 11, 22)
FILLED = [
    ["010780195", "UC05", "EFF_DELAI_PEC", "2025-T3", "pilote", 42.5, None, None, 40, "Évaluation"],
    ["010780195", "UC05", "QUA_READMISSION_30J", "2025-09", "Pilote", None, 5, 40, None, None],
]


def schema_for(style: str) -> Schema:
    return Schema.from_descriptor(table_schema(default_catalogue(), style))


def style_of(path: Path) -> str:
    """The header style of a file, as a user picks the schema to pass to frictionless."""
    written = set(read_submission(path).headers.values())
    return next(s for s in HEADER_STYLES if written <= {f.name for f in schema_for(s).fields})


def text_encoding(path: Path) -> str | None:
    """What an establishment passes to frictionless for its CSV (`--encoding`): UTF-8, else Windows-1252."""
    if path.suffix != ".csv":
        return None
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def frictionless_errors(path: Path, style: str) -> list[list[Any]]:
    control = formats.ExcelControl(sheet="indicateurs") if path.suffix == ".xlsx" else None
    encoding = text_encoding(path)
    resource = Resource(
        path.name, basepath=str(path.parent), schema=schema_for(style), detector=Detector(schema_sync=True),
        **({"control": control} if control else {}), **({"encoding": encoding} if encoding else {}),
    )  # fmt: skip
    return resource.validate().flatten(["rowNumber", "fieldName", "type", "note"])


def parquet_nulls(path: Path) -> set[tuple[int, str]]:
    """(row number as frictionless counts it, column) of the null cells of a Parquet file."""
    table = pq.read_table(path)
    return {
        (index + 2, name)
        for name in table.column_names
        for index, value in enumerate(table.column(name).to_pylist())
        if value is None
    }


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """One accepted demo file per (format, header style), the first by name."""
    root = tmp_path_factory.mktemp("demo") / "var"
    generated = generate_demo(root, seed=2025)
    broken = {root / relative for relative in generated.broken_files}
    chosen: dict[tuple[str, str], Path] = {}
    for path in sorted((root / "inbox").rglob("*.*")):
        if path not in broken:
            chosen.setdefault((path.suffix, style_of(path)), path)
    return chosen


def test_the_demo_has_files_in_every_header_style(demo_files: dict[tuple[str, str], Path]) -> None:
    assert {style for _, style in demo_files} == set(HEADER_STYLES)
    assert {suffix for suffix, _ in demo_files} == {".csv", ".xlsx", ".parquet"}


def test_frictionless_accepts_the_accepted_demo_files(demo_files: dict[tuple[str, str], Path]) -> None:
    for (suffix, style), path in demo_files.items():
        assert validate_table(read_submission(path), default_catalogue(), today=TODAY).accepted, path
        errors = frictionless_errors(path, style)
        if suffix == ".parquet":
            # frictionless reads a Parquet null as NaN through pandas, which no integer field accepts
            nulls = parquet_nulls(path)
            errors = [e for e in errors if not (e[2] == "type-error" and (e[0], e[1]) in nulls)]
        assert errors == [], (path.name, style, errors[:5])


def test_frictionless_accepts_the_filled_template_in_both_formats(tmp_path: Path) -> None:
    xlsx = tmp_path / "modele.xlsx"
    write_template_xlsx(xlsx, default_catalogue(), "UC05", finess="010780195")
    workbook = openpyxl.load_workbook(xlsx)
    for row, values in enumerate(FILLED, start=2):
        for col, value in enumerate(values, start=1):
            workbook["indicateurs"].cell(row=row, column=col, value=value)
    workbook.save(xlsx)
    csv = tmp_path / "modele.csv"
    lines = [
        ";".join("" if v is None else str(v).replace(".", ",") for v in values) for values in FILLED
    ]  # as French Excel saves it: decimal comma
    csv.write_bytes(write_template_csv(default_catalogue()) + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    for path in (xlsx, csv):
        assert validate_table(read_submission(path), default_catalogue(), today=TODAY).accepted, path
        assert frictionless_errors(path, "labels") == [], path.name


@pytest.mark.parametrize(
    ("cell", "written", "field"),
    [
        ("FINESS", "10780195", "FINESS"),  # a FINESS that lost its leading zero
        ("Période", "déc.-25", "Période"),  # a period Excel turned into a date
        ("Phase", "en cours", "Phase"),
        ("Valeur", "12 minutes", "Valeur"),
        ("Cas d'usage", "UC99", "Cas d'usage"),
    ],
)
def test_frictionless_refuses_what_the_pipeline_refuses(
    tmp_path: Path, cell: str, written: str, field: str
) -> None:
    row = {
        c.label: ("" if v is None else str(v).replace(".", ","))
        for c, v in zip(COLUMNS, FILLED[0], strict=True)
    }
    row[cell] = written
    path = tmp_path / "erreur.csv"
    path.write_text(
        ";".join(c.label for c in COLUMNS) + "\n" + ";".join(row.values()) + "\n", encoding="utf-8"
    )
    verdict = validate_table(read_submission(path), default_catalogue(), today=TODAY)
    assert not verdict.accepted and {i.column for i in verdict.errors} == {field}
    assert {(e[1], e[2]) for e in frictionless_errors(path, "labels")} in (
        {(field, "constraint-error")},
        {(field, "type-error")},
    )
