"""Migration 007 rewrites the benchmark views for speed: a warehouse built under 006 upgrades, and
every view gives the rows it gave before, on data that exercises each combination rule."""

from __future__ import annotations

import math
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from golden_data import E1, E2, E3, E4, E5, ROWS, Row, submit

from schemas.catalogue import default_catalogue
from warehouse.db import MIGRATIONS_DIR, migrate
from warehouse.reference import sync_catalogue

VIEWS = [
    "experimentation_quarter",
    "experimentation_baseline",
    "experimentation_change",
    "mart_kpi_quarter",
    "experimentation_roi",
    "mart_roi_quarter",
]

# Beyond the golden rows: months beaten by a quarterly row in the reference phase; a quarter whose
# months lack counts (a rate that falls back to the weighted, then the plain mean); a reference
# quarter after a pilot quarter (known by the later pilot quarter only) and one in a pilot quarter;
# quarterly and monthly amounts.
MORE_ROWS: list[Row] = [
    (E1, "UC01", "EFF_DELAI_PEC", "2024-10", "reference", 300, None, None, 5),
    (E1, "UC01", "EFF_DELAI_PEC", "2024-11", "reference", 200, None, None, 5),
    (E4, "UC01", "QUA_READMISSION_30J", "2024-T4", "reference", 12, 12, 100, 40),
    (E4, "UC01", "QUA_READMISSION_30J", "2025-07", "pilote", 10, 5, 50, 50),
    (E4, "UC01", "QUA_READMISSION_30J", "2025-08", "pilote", 9, None, None, 30),
    (E4, "UC01", "QUA_READMISSION_30J", "2025-09", "pilote", 11, None, None, None),
    (E4, "UC01", "QUA_READMISSION_30J", "2025-04", "pilote", 14, None, None, 20),
    (E4, "UC01", "QUA_READMISSION_30J", "2025-05", "pilote", 16, None, None, 60),
    (E3, "UC01", "EFF_DELAI_PEC", "2025-T1", "reference", 130, None, None, 10),
    (E3, "UC01", "EFF_DELAI_PEC", "2025-T2", "pilote", 95, None, None, 25),
    (E5, "UC01", "EFF_DELAI_PEC", "2025-T2", "reference", 75, None, None, 20),
    (E2, "UC01", "ECO_COUT_SOLUTION", "2025-10", "pilote", 5000, None, None, None),
    (E2, "UC01", "ECO_DEPENSES_EVITEES", "2025-T4", "pilote", 9000, None, None, None),
    (E2, "UC01", "ECO_DEPENSES_EVITEES", "2025-11", "pilote", 1, None, None, None),
]


def build_under(migrations: Path, path: Path) -> None:
    """The golden rows and MORE_ROWS in a warehouse migrated with `migrations` only."""
    with duckdb.connect(str(path)) as con:
        migrate(con, migrations)
        sync_catalogue(con, default_catalogue())
        for day, finess in enumerate(sorted({row[0] for row in ROWS + MORE_ROWS}), start=5):
            mine = [row for row in ROWS if row[0] == finess]
            submit(con, f"{finess}.csv", datetime(2025, 10, day, 9, 0), mine)
            more = [row for row in MORE_ROWS if row[0] == finess]
            if more:
                submit(con, f"{finess}-later.csv", datetime(2025, 11, day, 9, 0), more)


def view_rows(path: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the views (only `columns[view]` when given), in a stable order."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            view: con.execute(
                f"SELECT {', '.join(columns[view]) if columns else '*'} FROM {view} ORDER BY ALL"
            ).fetchall()
            for view in VIEWS
        }


def view_columns(path: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            view: [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description] for view in VIEWS
        }


def migrations_until(folder: Path, last: int) -> Path:
    folder.mkdir()
    for version, script in [(int(p.name[:3]), p) for p in sorted(MIGRATIONS_DIR.glob("*.sql"))]:
        if version <= last:
            shutil.copy(script, folder / script.name)
    return folder


def same(before: Any, after: Any) -> bool:
    """Equal, floats within rounding noise (sums may add the same terms in another order)."""
    if isinstance(before, float) and isinstance(after, float):
        return math.isclose(before, after, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(before, list | tuple) and isinstance(after, list | tuple):
        return len(before) == len(after) and all(same(b, a) for b, a in zip(before, after, strict=True))
    return bool(before == after)


def test_migration_007_changes_no_row_of_the_benchmark_views(tmp_path: Path) -> None:
    until_006 = tmp_path / "until_006"
    until_006.mkdir()
    for version, script in [(int(p.name[:3]), p) for p in sorted(MIGRATIONS_DIR.glob("*.sql"))]:
        if version <= 6:
            shutil.copy(script, until_006 / script.name)
    path = tmp_path / "w.duckdb"
    build_under(until_006, path)
    before = view_rows(path)

    with duckdb.connect(str(path)) as con:
        assert "007_quarter_values_in_one_pass.sql" in migrate(
            con, migrations_until(tmp_path / "until_007", 7)
        )
    after = view_rows(path)

    assert len(before["experimentation_quarter"]) > len(ROWS) // 2  # the data reached the views
    assert {quarter for quarter, *_ in before["mart_roi_quarter"]} == {"2025-T2", "2025-T3", "2025-T4"}
    for view in VIEWS:
        assert len(after[view]) == len(before[view]), view
        for old, new in zip(before[view], after[view], strict=True):
            assert same(old, new), (view, old, new)


def test_migration_009_adds_columns_and_changes_no_value(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    build_under(migrations_until(tmp_path / "until_008", 8), path)
    columns = view_columns(path)
    before = view_rows(path)
    with duckdb.connect(str(path)) as con:
        assert "009_disclosure_v2.sql" in migrate(con)
    after = view_rows(path, columns)
    assert view_columns(path)["experimentation_change"][-4:] == [
        "baseline_numerator", "baseline_denominator", "pilot_weight", "baseline_weight"
    ]  # fmt: skip
    for view in VIEWS:
        assert len(after[view]) == len(before[view]), view
        for old, new in zip(before[view], after[view], strict=True):
            assert same(old, new), (view, old, new)


def test_migration_017_keeps_every_measurement_and_the_next_file_supersedes_as_before(tmp_path: Path) -> None:
    """The table rebuilt without its key holds the same rows (ids, order, superseded flags) and the same
    check; the views answer as before; a later file supersedes the value it corrects."""
    path = tmp_path / "w.duckdb"
    build_under(migrations_until(tmp_path / "until_016", 16), path)
    before = view_rows(path)
    with duckdb.connect(str(path)) as con:
        rows_before = con.execute("SELECT * FROM measurement").fetchall()
        assert "017_measurement_without_key.sql" in migrate(con)
        assert con.execute("SELECT * FROM measurement").fetchall() == rows_before  # same rows, same order
        keys = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'measurement' AND constraint_type = ?"
        assert con.execute(keys, ["PRIMARY KEY"]).fetchone() == (0,)
        with pytest.raises(duckdb.ConstraintException):  # the phase's check survives the rebuild
            con.execute(
                "INSERT INTO measurement SELECT * REPLACE ('autre' AS phase) FROM measurement LIMIT 1"
            )
    after = view_rows(path)
    assert len(before["experimentation_quarter"]) > len(ROWS) // 2
    for view in VIEWS:
        assert len(after[view]) == len(before[view]), view
        for old, new in zip(before[view], after[view], strict=True):
            assert same(old, new), (view, old, new)

    first = next(row for row in ROWS if row[0] == E1)
    key = "finess = ? AND use_case = ? AND kpi = ? AND period = ? AND phase = ?"
    with duckdb.connect(str(path)) as con:
        submit(
            con,
            f"{E1}-correction.csv",
            datetime(2025, 12, 1, 9, 0),
            [Row(*first)._replace(value=first[5] + 1)],
        )
        values = con.execute(f"SELECT value FROM measurement_latest WHERE {key}", list(first[:5])).fetchall()
    assert values == [(first[5] + 1,)]
