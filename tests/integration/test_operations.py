"""Operations: backup and restore republish the same edition; status tells what is pending."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from golden_data import QUARTER, build_golden_warehouse
from typer.testing import CliRunner

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from flows.cli import app
from intake.status import format_status, read_status
from reports.site.writer import render_quarter_site
from tlkpi.errors import WarehouseError
from tlkpi.settings import Settings
from warehouse.db import MIGRATIONS_DIR, migrate, open_warehouse


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_restored_warehouse_republishes_a_byte_identical_edition(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    build_golden_warehouse(settings.warehouse_path)
    with open_warehouse(settings.warehouse_path) as con:
        freeze_edition(con, QUARTER, Rules(min_establishments=3, min_patients=11))
    render_quarter_site(settings.warehouse_path, QUARTER, settings.site_dir, settings)
    published = tree(settings.site_dir)

    runner = CliRunner()
    backup = tmp_path / "sauvegarde"
    result = runner.invoke(app, ["backup", str(backup), "--data-root", str(settings.root)])
    assert result.exit_code == 0, result.output
    shutil.rmtree(settings.site_dir)
    settings.warehouse_path.unlink()
    assert runner.invoke(app, ["restore", str(backup), "--data-root", str(settings.root)]).exit_code == 0

    render_quarter_site(settings.warehouse_path, QUARTER, settings.site_dir, settings)
    assert tree(settings.site_dir) == published


def test_restore_refuses_to_overwrite_and_backup_refuses_a_used_folder(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    build_golden_warehouse(settings.warehouse_path)
    runner = CliRunner()
    backup = tmp_path / "sauvegarde"
    assert runner.invoke(app, ["backup", str(backup), "--data-root", str(settings.root)]).exit_code == 0
    again = runner.invoke(app, ["backup", str(backup), "--data-root", str(settings.root)])
    assert again.exit_code == 2 and "not empty" in again.output
    over = runner.invoke(app, ["restore", str(backup), "--data-root", str(settings.root)])
    assert over.exit_code == 2 and "already there" in over.output


def test_status_counts_pending_files_and_runs(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    build_golden_warehouse(settings.warehouse_path)
    for name in ("010780195/a.csv", "010780195/b.csv", "c.csv", "010780906/.cache.csv"):
        path = settings.inbox_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("finess\n", encoding="utf-8")
    status = read_status(settings, date(2025, 11, 22))
    assert (status.pending, status.pending_establishments, status.claimed) == (3, 1, 0)
    assert status.quarter == "2025-T4"
    lines = format_status(status, settings.inbox_dir)
    assert lines[0].endswith("3 file(s) waiting (1 establishment folder(s)).")
    assert lines[-1].startswith("Open quarter 2025-T4:")


def test_a_reader_refuses_a_warehouse_older_than_the_code(tmp_path: Path) -> None:
    old = tmp_path / "old_migrations"
    old.mkdir()
    for script in sorted(MIGRATIONS_DIR.glob("00[1-3]_*.sql")):
        (old / script.name).write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con, old)
    with (
        pytest.raises(WarehouseError, match=r"004_benchmark\.sql.*run a writer first"),
        open_warehouse(path, read_only=True),
    ):
        pass
    with open_warehouse(path) as con:  # a writer upgrades it
        assert con.execute("SELECT max(version) FROM schema_migration").fetchone() == (
            len(list(MIGRATIONS_DIR.glob("*.sql"))),
        )
    with open_warehouse(path, read_only=True):
        pass
