"""The open-data files: a public contract (docs/open-data.md)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from golden_data import QUARTER, build_golden_warehouse

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.site.open_data import BENCHMARK_COLUMNS, ROI_COLUMNS
from reports.site.writer import render_quarter_site
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

CONTRACT = (
    "edition;quarter;use_case;domain;kpi;unit;direction;n_establishments;n_experimentations;"
    "baseline_median;pilot_median;pilot_p10;pilot_p25;pilot_p75;pilot_p90;pooled_rate;pooled_rate_low;"
    "pooled_rate_high;share_improved;median_relative_change;median_relative_change_low;"
    "median_relative_change_high;threshold;threshold_met;withheld;withheld_reason"
)


def published_data(tmp_path: Path, name: str = "site") -> Path:
    path = tmp_path / "w.duckdb"
    if not path.exists():
        build_golden_warehouse(path)
        with open_warehouse(path) as con:
            freeze_edition(con, QUARTER, Rules(3, 11))
    render_quarter_site(path, QUARTER, tmp_path / name, Settings(data_root=tmp_path))
    return tmp_path / name / QUARTER / "data"


def test_csv_dialect_and_columns(tmp_path: Path) -> None:
    data = published_data(tmp_path)
    raw = (data / "benchmark.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    header, *lines = raw.decode("utf-8-sig").splitlines()
    assert header.startswith(CONTRACT + ";")  # the contract's columns first, extra columns after
    assert all(line.count(";") == header.count(";") for line in lines)
    assert not any("," in field for line in lines for field in line.split(";")[:26])  # `.` decimals
    roi_header = (data / "roi.csv").read_bytes().decode("utf-8-sig").splitlines()[0]
    assert roi_header.split(";")[:11] == [name for name, _ in ROI_COLUMNS][:11]


def test_withheld_values_are_empty_never_zero(tmp_path: Path) -> None:
    data = published_data(tmp_path)
    table = pq.read_table(data / "benchmark.parquet").to_pylist()
    withheld = [row for row in table if row["withheld"]]
    assert withheld
    for row in withheld:
        assert row["pilot_median"] is None and row["share_improved"] is None and row["withheld_reason"]
    assert [name for name, _ in BENCHMARK_COLUMNS] == pq.read_schema(data / "benchmark.parquet").names


def test_files_are_byte_identical_from_one_render_to_the_next(tmp_path: Path) -> None:
    first, second = published_data(tmp_path, "a"), published_data(tmp_path, "b")
    for name in ("benchmark.csv", "benchmark.parquet", "roi.csv", "roi.parquet"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
