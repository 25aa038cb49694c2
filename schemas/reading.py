"""Read a submitted file (CSV, XLSX, Parquet) into a table of strings with its user-visible row numbers.

Every cell stays text here: codes are never inferred as numbers (FINESS 2A…, leading zeros); numbers
are parsed by the validation, which can then say which cell is wrong.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from schemas.budget import Deadline
from schemas.columns import REQUIRED, canonical_name
from schemas.messages import file_error
from schemas.personal_data import holds_personal_data
from schemas.text_encoding import sniff_separator, utf8_bytes
from schemas.workbook_view import check_as_seen
from tlkpi.errors import SubmissionError
from tlkpi.settings import Settings
from tlkpi.settings_parts import default, settings_part

ROW_COLUMN = "_row"
CSV_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES
MAX_INFLATION = 100  # an XLSX inflating to more than 100x its size is refused (zip bomb)
EXCEL_SHEET = "indicateurs"
PERIOD_TIME_ZONE = "Europe/Paris"  # the month of a time-zoned Parquet timestamp is taken there
MAX_SCANNED_CHARS = 1000  # a cell outside the contract longer than this is refused unread
_BOM_AND_BLANKS = b"\xef\xbb\xbf \t\r\n\x0b\x0c"  # what an empty CSV may still hold


@dataclass(frozen=True)
class Limits:
    """What one file may cost before we refuse to read it (see `Settings` for each limit)."""

    max_bytes: int = default("max_file_bytes")
    max_rows: int = default("max_rows")
    max_unpacked_bytes: int = default("max_unpacked_bytes")  # an XLSX's members, a Parquet's columns
    max_columns: int = default(
        "max_columns"
    )  # checked on the header (CSV line, XLSX dimension, Parquet footer) first
    seconds_per_file: float = default("check_seconds_per_file")  # the read stops at its next step past it

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return settings_part(
            cls, settings, {"max_bytes": "max_file_bytes", "seconds_per_file": "check_seconds_per_file"}
        )


@dataclass(frozen=True)
class SubmittedTable:
    """The rows of a file under canonical column names, all strings, plus `_row` (row in the file)."""

    frame: pl.DataFrame
    headers: dict[str, str]  # canonical name -> header as written in the file
    ignored_headers: tuple[str, ...]
    file_format: str
    personal_cells: tuple[tuple[int, str, str], ...] = ()  # (row, header, rule) of unsafe ignored cells
    dated_periods: tuple[
        tuple[int, str], ...
    ] = ()  # (row, month read) of Excel date cells in the period column


def read_submission(path: Path, limits: Limits = Limits()) -> SubmittedTable:
    """Read and map the columns of a submitted file; raise SubmissionError in French when unreadable,
    CheckTimeout when reading goes past the file's time budget (checked between the read's steps)."""
    deadline = Deadline(limits.seconds_per_file)
    _check_size(path, limits)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame, file_format = _read_csv(path, limits, deadline), "csv"
    elif suffix in EXCEL_SUFFIXES:
        (frame, dated), file_format = _read_excel(path, limits, deadline), "xlsx"
    elif suffix in PARQUET_SUFFIXES:
        frame, file_format = _read_parquet(path, limits), "parquet"
    else:
        raise file_error("format_non_accepte", path, format=suffix or "sans extension")
    if frame.height == 0:
        raise file_error("aucune_mesure", path)
    _check_rows(frame.height, path, limits)
    deadline.check()
    table = _map_columns(frame, path, file_format, deadline)
    if file_format == "xlsx" and "periode" in table.headers:  # a date cell is read as its month, and said
        dated_rows = set(dated.get(table.headers["periode"], ()))
        periods = table.frame.filter(pl.col(ROW_COLUMN).is_in(dated_rows)).select(ROW_COLUMN, "periode")
        table = replace(table, dated_periods=tuple(periods.iter_rows()))
    return table


def _check_rows(rows: int, path: Path, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise file_error("trop_de_lignes", path, rows=rows, limit=limits.max_rows)


def _refuse_unpacked_size(size: int, path: Path, limits: Limits) -> None:
    if size > limits.max_unpacked_bytes:
        raise file_error("trop_decompresse", path, size=size, limit=limits.max_unpacked_bytes)


def _check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size == 0:
        raise file_error("zero_octet", path)
    if size > limits.max_bytes:
        raise file_error("trop_lourd", path, size=size, limit=limits.max_bytes)


def _refuse_duplicate_headers(headers: list[str], path: Path) -> None:
    """Two headers naming the same contract column: refuse rather than guess which one is meant."""
    seen: dict[str, str] = {}
    for header in headers:
        name = canonical_name(header)
        if name is None:
            continue
        if name in seen:
            raise file_error(
                "colonne_en_double", path, row=1, column=header, first=seen[name], second=header, name=name
            )
        seen[name] = header


def refuse_wide(columns: int, where: str, path: Path, limits: Limits) -> None:
    """Too many columns for a file of the contract (10): refused from its header, before any parsing."""
    if columns > limits.max_columns:
        raise SubmissionError(
            f"{where} a {columns} colonnes, au-delà de la limite de {limits.max_columns}. Gardez les "
            "colonnes du modèle (FINESS, Cas d'usage, Indicateur, Période, Phase, Valeur…).",
            path=str(path),
            row=1,
            rule="fichier_trop_gros",
        )


def _read_csv(path: Path, limits: Limits, deadline: Deadline) -> pl.DataFrame:
    data = utf8_bytes(path.read_bytes(), path)
    deadline.check()
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode("utf-8-sig").rstrip("\r")
    if not first_line.strip() and not data.lstrip(_BOM_AND_BLANKS):
        raise file_error("aucune_ligne", path)
    separator = sniff_separator(first_line)
    try:
        header = next(csv.reader([first_line], delimiter=separator))
        refuse_wide(len(header), "La ligne d'en-tête du fichier", path, limits)
        _refuse_duplicate_headers(header, path)
        frame = pl.read_csv(
            data,
            separator=separator,
            infer_schema=False,
            truncate_ragged_lines=False,
        )
    except (csv.Error, pl.exceptions.PolarsError) as exc:
        raise file_error("csv_mal_forme", path, cause=str(exc).splitlines()[0]) from exc
    return frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int32).alias(ROW_COLUMN))


def _check_inflation(path: Path, limits: Limits) -> None:
    """Refuse a zip bomb from the archive's directory, before anything is inflated."""
    try:
        with zipfile.ZipFile(path) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise file_error("xlsx_tronque", path) from exc
    if inflated > MAX_INFLATION * path.stat().st_size:
        raise file_error("xlsx_bombe", path)
    _refuse_unpacked_size(inflated, path, limits)


def _cell_text(value: object) -> str | None:
    """Excel cell -> text as the user typed it: 12.0 -> '12', a date typed as 2025-09 -> '2025-09'."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value).strip() or None


def _read_excel(path: Path, limits: Limits, deadline: Deadline) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """The sheet as text, and per header the rows whose cell was a date (read as its month)."""
    from python_calamine import CalamineError, CalamineWorkbook

    _check_inflation(path, limits)
    check_as_seen(path, deadline)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = workbook.sheet_names
        chosen = next((n for n in names if n.strip().lower() == EXCEL_SHEET), names[0])
        sheet = workbook.get_sheet_by_name(chosen)
        _check_rows(sheet.total_height - 1, path, limits)
        refuse_wide(sheet.total_width, f"La feuille « {chosen} »", path, limits)
        deadline.check()
        rows = sheet.to_python(skip_empty_area=False)
        deadline.check()
    except (CalamineError, IndexError, ValueError) as exc:
        raise file_error("xlsx_illisible", path, cause=exc) from exc
    header_index = next((i for i, row in enumerate(rows) if any(c not in (None, "") for c in row)), None)
    if header_index is None:
        raise file_error("feuille_vide", path, sheet=chosen)
    headers = [_cell_text(c) or f"colonne_{i + 1}" for i, c in enumerate(rows[header_index])]
    _refuse_duplicate_headers(headers, path)
    body = [
        (index + 1, [_cell_text(c) for c in row])
        for index, row in enumerate(rows)
        if index > header_index and any(c not in (None, "") for c in row)
    ]
    data = {h: [cells[i] if i < len(cells) else None for _, cells in body] for i, h in enumerate(headers)}
    frame = pl.DataFrame(data, schema=dict.fromkeys(headers, pl.String))
    dated: dict[str, list[int]] = {}
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        for header, cell in zip(headers, row, strict=False):
            if isinstance(cell, datetime | date):
                dated.setdefault(header, []).append(index)
    return frame.with_columns(pl.Series(ROW_COLUMN, [r for r, _ in body], dtype=pl.Int32)), dated


def _parquet_column_as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    """Numbers as typed (12.0 -> '12'), dates as the month they fall in (a period), the rest as text."""
    if dtype.is_float():
        return pl.col(name).map_elements(_cell_text, return_dtype=pl.String)
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        # an instant: its month in France, whatever zone the file was written in
        return pl.col(name).dt.convert_time_zone(PERIOD_TIME_ZONE).dt.strftime("%Y-%m")
    if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime):
        return pl.col(name).dt.strftime("%Y-%m")
    return pl.col(name).cast(pl.String)


def _check_parquet_metadata(path: Path, limits: Limits) -> None:
    """Rows, columns and uncompressed size from the footer, before any data page is read."""
    try:
        metadata = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt footer
        raise file_error("parquet_illisible", path, cause=type(exc).__name__) from exc
    _check_rows(metadata.num_rows, path, limits)
    refuse_wide(metadata.num_columns, "Le fichier Parquet", path, limits)
    unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    _refuse_unpacked_size(unpacked, path, limits)


def _read_parquet(path: Path, limits: Limits) -> pl.DataFrame:
    _check_parquet_metadata(path, limits)
    try:
        table = pq.read_table(path)
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        frame = frame.select(_parquet_column_as_text(name, dtype) for name, dtype in frame.schema.items())
    except Exception as exc:  # pyarrow and polars raise many unrelated types for a corrupt file
        raise file_error("parquet_illisible", path, cause=type(exc).__name__) from exc
    return frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int32).alias(ROW_COLUMN))


def _map_columns(frame: pl.DataFrame, path: Path, file_format: str, deadline: Deadline) -> SubmittedTable:
    _refuse_duplicate_headers([h for h in frame.columns if h != ROW_COLUMN], path)
    headers: dict[str, str] = {}
    ignored = []
    for header in frame.columns:
        if header == ROW_COLUMN:
            continue
        name = canonical_name(header)
        if name is None:
            ignored.append(header)
        else:
            headers[name] = header
    missing = [name for name in REQUIRED if name not in headers]
    if missing:
        raise file_error(
            "colonne_manquante", path, row=1, column=", ".join(missing), missing=", ".join(missing)
        )
    renamed = frame.rename({original: name for name, original in headers.items()})
    return SubmittedTable(
        frame=renamed.select([*headers, ROW_COLUMN]),
        headers=headers,
        ignored_headers=tuple(ignored),
        file_format=file_format,
        personal_cells=_personal_cells(frame, ignored, deadline),
    )


def _personal_cells(
    frame: pl.DataFrame, ignored: list[str], deadline: Deadline
) -> tuple[tuple[int, str, str], ...]:
    """(row, header, rule) of the cells of columns outside the contract that must refuse the file.

    Those columns are dropped, but the original would be kept with them: a cell holding personal data
    refuses the file (`donnee_personnelle`); one longer than `MAX_SCANNED_CHARS` is not searched and
    refuses it too (`cellule_trop_longue`), as nobody can say what it holds.
    """
    found: list[tuple[int, str, str]] = []
    for header in ignored:
        deadline.check()
        cells = frame.select(pl.col(header).cast(pl.String).alias("text"), pl.col(ROW_COLUMN)).drop_nulls(
            "text"
        )
        rules = {text: _unsafe_rule(text) for text in cells["text"].unique().to_list()}
        for rule in ("donnee_personnelle", "cellule_trop_longue"):
            flagged = [text for text, found_rule in rules.items() if found_rule == rule]
            if flagged:
                rows = cells.filter(pl.col("text").is_in(flagged))[ROW_COLUMN].to_list()
                found += [(row, header, rule) for row in rows]
    return tuple(sorted(found))


def _unsafe_rule(text: str) -> str | None:
    if len(text) > MAX_SCANNED_CHARS:
        return "cellule_trop_longue"
    return "donnee_personnelle" if holds_personal_data(text) else None
