"""The open-data files of a published quarter: data/benchmark.csv, .parquet and data/roi.csv, .parquet.

A public contract (docs/open-data.md): the columns below, in this order. CSV is UTF-8 with BOM, `;`
separator, `.` decimal point, a header row, LF line ends; withheld values are empty, never 0. Same
rows give byte-identical files (no timestamp is written).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from disclosure.benchmark import BenchmarkCell, RoiCell
from disclosure.peers import NATIONAL, PeerCell, peer_rows

DATA_DIR = "data"
_TEXT, _INT, _FLOAT, _BOOL = pa.string(), pa.int32(), pa.float64(), pa.bool_()
BENCHMARK_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("edition", _INT),
    ("quarter", _TEXT),
    ("use_case", _TEXT),
    ("domain", _TEXT),
    ("kpi", _TEXT),
    ("unit", _TEXT),
    ("direction", _TEXT),
    ("n_establishments", _INT),
    ("n_experimentations", _INT),
    ("baseline_median", _FLOAT),
    ("pilot_median", _FLOAT),
    ("pilot_p10", _FLOAT),
    ("pilot_p25", _FLOAT),
    ("pilot_p75", _FLOAT),
    ("pilot_p90", _FLOAT),
    ("pooled_rate", _FLOAT),
    ("pooled_rate_low", _FLOAT),
    ("pooled_rate_high", _FLOAT),
    ("share_improved", _FLOAT),
    ("median_relative_change", _FLOAT),
    ("median_relative_change_low", _FLOAT),
    ("median_relative_change_high", _FLOAT),
    ("threshold", _FLOAT),
    ("threshold_met", _BOOL),
    ("withheld", _BOOL),
    ("withheld_reason", _TEXT),
    ("share_threshold_met", _FLOAT),
    ("kind", _TEXT),
    ("use_case_label", _TEXT),
    ("domain_label", _TEXT),
    ("kpi_label", _TEXT),
    ("baseline_mean", _FLOAT),
    ("pilot_mean", _FLOAT),
    ("mean_change", _FLOAT),
    ("linear_withheld_reason", _TEXT),
    ("position_withheld_reason", _TEXT),
    ("correction_pending", _BOOL),
    ("peer_group", _TEXT),
)
ROI_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("edition", _INT),
    ("quarter", _TEXT),
    ("use_case", _TEXT),
    ("n_establishments", _INT),
    ("n_experimentations", _INT),
    ("roi_median", _FLOAT),
    ("roi_p25", _FLOAT),
    ("roi_p75", _FLOAT),
    ("share_positive", _FLOAT),
    ("withheld", _BOOL),
    ("withheld_reason", _TEXT),
    ("use_case_label", _TEXT),
    ("roi_pooled", _FLOAT),
    ("linear_withheld_reason", _TEXT),
    ("position_withheld_reason", _TEXT),
    ("correction_pending", _BOOL),
    ("peer_group", _TEXT),
)


def format_field(value: Any) -> str:
    """A CSV field: empty for None, true/false, plain decimals with `.` and no exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return neutralise_formula(str(value))


def neutralise_formula(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_bytes(rows: list[dict[str, Any]], columns: tuple[tuple[str, pa.DataType], ...]) -> bytes:
    """The rows as the open-data CSV dialect: BOM, `;`, header, LF."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    names = [name for name, _ in columns]
    writer.writerow(names)
    for row in rows:
        writer.writerow([format_field(row[name]) for name in names])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def arrow_table(rows: list[dict[str, Any]], columns: tuple[tuple[str, pa.DataType], ...]) -> pa.Table:
    schema = pa.schema([pa.field(name, kind) for name, kind in columns])
    return pa.Table.from_pylist([{name: row[name] for name, _ in columns} for row in rows], schema=schema)


def write_parquet(path: Path, table: pa.Table) -> None:
    """Parquet without pandas metadata or timestamps, so the bytes depend on the rows only."""
    pq.write_table(table, path, compression="zstd", write_statistics=True, store_schema=False)


def write_table(
    data_dir: Path, stem: str, rows: list[dict[str, Any]], columns: tuple[tuple[str, pa.DataType], ...]
) -> list[Path]:
    data_dir.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = data_dir / f"{stem}.csv", data_dir / f"{stem}.parquet"
    csv_path.write_bytes(csv_bytes(rows, columns))
    write_parquet(parquet_path, arrow_table(rows, columns))
    return [csv_path, parquet_path]


def write_open_data(
    quarter_dir: Path,
    cells: list[BenchmarkCell],
    roi: list[RoiCell],
    peer_cells: Sequence[PeerCell] = (),
    peer_roi: Sequence[PeerCell] = (),
) -> list[Path]:
    """Write <quarter_dir>/data/benchmark.{csv,parquet} and roi.{csv,parquet}; return the paths.

    The national rows come first (peer_group `national`), then each peer group's rows."""
    data_dir = quarter_dir / DATA_DIR
    national = {"peer_group": NATIONAL}
    benchmark = [{**asdict(cell), **national} for cell in cells] + peer_rows(peer_cells)
    roi_rows = [{**asdict(cell), **national} for cell in roi] + peer_rows(peer_roi)
    return [
        *write_table(data_dir, "benchmark", benchmark, BENCHMARK_COLUMNS),
        *write_table(data_dir, "roi", roi_rows, ROI_COLUMNS),
    ]
