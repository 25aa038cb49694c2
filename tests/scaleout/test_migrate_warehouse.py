"""`tlkpi migrate-warehouse --to ducklake`: the file warehouse, copied into a lake, verified, goes on there."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline import folder_bytes, ingest_once, lake_settings, publish_quarter
from typer.testing import CliRunner

from demo.demo_data import generate_demo
from flows.cli import app
from tests.support.inbox import HEADER
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

pytestmark = pytest.mark.slow  # real servers: PostgreSQL, a lake, worker processes

# a value in effect, to be corrected by a file loaded into the lake
A_VALUE = """
SELECT finess, use_case, kpi, period, phase, value, coalesce(n_patients, 40) FROM measurement_latest
WHERE kpi = 'EFF_DELAI_PEC' ORDER BY finess, use_case, period, phase LIMIT 1
"""


def test_a_file_warehouse_copied_into_a_lake_publishes_the_same_and_takes_new_files(
    tmp_path: Path, lake_catalog: str
) -> None:
    settings = Settings(data_root=tmp_path / "var")
    demo = generate_demo(settings.root)
    ingest_once(settings)
    with open_warehouse(settings.warehouse, read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        last_id = con.execute("SELECT max(id) FROM submission").fetchone()
        finess, use_case, kpi, period, phase, value, patients = con.execute(A_VALUE).fetchone()  # type: ignore[misc]
    data_path = f"{tmp_path / 'lake-files'}/"
    arguments = ["migrate-warehouse", "--to", "ducklake", "--catalog", lake_catalog, "--data-path", data_path]

    result = CliRunner().invoke(app, [*arguments, "--data-root", str(settings.root)])

    assert result.exit_code == 0, result.output
    verified = {line.split()[0] for line in result.output.splitlines() if line.endswith("identical")}
    assert verified == tables - {"schema_migration"}
    again = CliRunner().invoke(app, [*arguments, "--data-root", str(settings.root)])
    assert again.exit_code == 2 and "already holds submissions" in again.output

    _, file_index = publish_quarter(settings, demo.latest_quarter)
    file_data = folder_bytes(file_index.parent / "data")
    lake_site = lake_settings(tmp_path / "lake-var", lake_catalog, data_path)
    _, lake_index = publish_quarter(lake_site, demo.latest_quarter)
    assert folder_bytes(lake_index.parent / "data") == file_data

    correction = f"{HEADER}{finess},{use_case},{kpi},{period},{phase},{value + 1:.1f},{patients}\n"
    (lake_site.inbox_dir / finess).mkdir(parents=True)
    (lake_site.inbox_dir / finess / "correction.csv").write_text(correction, encoding="utf-8")
    [outcome] = ingest_once(lake_site)
    assert outcome.verdict == "accepted" and outcome.superseded == 1
    with open_warehouse(lake_site.warehouse, read_only=True) as con:
        assert con.execute("SELECT max(id) FROM submission").fetchone() == (last_id[0] + 1,)  # type: ignore[index]
