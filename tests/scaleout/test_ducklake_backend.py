"""The DuckLake backend (catalogue in PostgreSQL, Parquet files on a path) runs the same pipeline as the
DuckDB file and publishes the same open data, byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline import drop_files, folder_bytes, ingest_once, lake_settings, publish_quarter

from demo.demo_data import generate_demo
from disclosure.editions import find_edition
from reports.private.writer import private_root
from tasks.render import render_private, render_site
from tlkpi.settings import Settings
from warehouse.db import list_migrations, open_warehouse

pytestmark = pytest.mark.slow  # real servers: PostgreSQL, a lake, worker processes


def test_the_demo_through_ingest_and_quarter_publishes_the_same_open_data_on_both_backends(
    tmp_path: Path, lake_catalog: str
) -> None:
    file_settings = Settings(data_root=tmp_path / "file")
    lake = lake_settings(tmp_path / "lake", lake_catalog)
    demo = generate_demo(file_settings.root)
    shutil.copytree(file_settings.inbox_dir, lake.inbox_dir)
    shutil.copytree(file_settings.reference_dir, lake.reference_dir)  # the register: its peer groups

    published = {}
    for settings in (file_settings, lake):
        outcomes = ingest_once(settings)
        assert len(outcomes) == demo.files_written
        summary, index = publish_quarter(settings, demo.latest_quarter)
        assert summary.edition == 1 and summary.cells > 0
        published[settings.warehouse_backend] = folder_bytes(index.parent / "data")

    assert published["ducklake"].keys() == published["file"].keys() != set()
    for name, content in published["file"].items():
        assert published["ducklake"][name] == content, f"{name} differs between the backends"
    assert list((tmp_path / "lake").glob("warehouse/*.duckdb")) == [], "the lake wrote no DuckDB file"
    assert list((tmp_path / "lake" / "lake-files").rglob("*.parquet")), "its data is Parquet on the path"


def test_a_reader_of_the_lake_reads_while_a_writer_holds_a_transaction_open(
    tmp_path: Path, lake_catalog: str
) -> None:
    settings = lake_settings(tmp_path, lake_catalog)
    with open_warehouse(settings.warehouse) as writer:
        writer.execute("BEGIN TRANSACTION")
        writer.execute("INSERT INTO domain VALUES ('TMP', 'en cours', NULL)")
        with open_warehouse(settings.warehouse, read_only=True) as reader:
            assert reader.execute("SELECT count(*) FROM domain WHERE code = 'TMP'").fetchone() == (0,)
        writer.execute("COMMIT")
    with open_warehouse(settings.warehouse, read_only=True) as reader:
        assert reader.execute("SELECT count(*) FROM domain WHERE code = 'TMP'").fetchone() == (1,)
        assert reader.execute("SELECT count(*) FROM schema_migration").fetchone() == (len(list_migrations()),)


def test_an_edition_re_rendered_while_ingestion_goes_on_reads_its_own_snapshot(
    tmp_path: Path, lake_catalog: str
) -> None:
    settings = lake_settings(tmp_path, lake_catalog)
    drop_files(settings.inbox_dir, 40)
    ingest_once(settings)
    summary, index = publish_quarter(settings, "2025-T1")
    site, private = index.parent, private_root(settings) / "2025-T1"
    first = {"site": folder_bytes(site), "private": folder_bytes(private)}
    with open_warehouse(settings.warehouse, read_only=True) as con:
        edition = find_edition(con, "2025-T1")
    assert edition is not None and edition.lake_snapshot is not None

    drop_files(settings.inbox_dir, 40, first=40)  # new values for the quarter, not yet published
    assert all(outcome.verdict == "accepted" for outcome in ingest_once(settings))
    render_site.fn(settings, "2025-T1")
    render_private.fn(settings, "2025-T1")

    assert {"site": folder_bytes(site), "private": folder_bytes(private)} == first
    republished, _ = publish_quarter(settings, "2025-T1")
    assert republished.edition == summary.edition + 1, "the new files did change the quarter"
    assert folder_bytes(private) != first["private"]
