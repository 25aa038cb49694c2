"""`tlkpi status` tells the truth: the last closed quarter and the open one, lateness only after the
grace deadline, the last ingest runs and the last quarter editions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from golden_data import QUARTER, build_golden_warehouse
from typer.testing import CliRunner

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from flows.cli import app
from intake.status import format_status, read_status
from schemas.calendar import CalendarEntry
from tlkpi.settings import Settings
from warehouse.calendar import sync_calendar
from warehouse.db import open_warehouse


def golden(tmp_path: Path) -> Settings:
    settings = Settings(data_root=tmp_path / "var")
    build_golden_warehouse(settings.warehouse_path)  # files of 2025-T3 received 5-10 October 2025
    with open_warehouse(settings.warehouse_path) as con:
        freeze_edition(con, QUARTER, Rules(min_establishments=3, min_patients=11))
    return settings


def test_nobody_is_late_before_the_grace_deadline(tmp_path: Path) -> None:
    settings = golden(tmp_path)
    status = read_status(settings, date(2025, 10, 8))  # 2025-T3 closed, deadline 11 October
    assert status.closed is not None and status.closed.quarter == QUARTER
    assert status.closed.expected > 0 and status.closed.overdue == 0
    assert status.quarter == "2025-T4" and status.open is not None and status.open.overdue == 0
    lines = format_status(status, settings.inbox_dir)
    assert any(line.startswith("Last closed quarter 2025-T3:") and "nobody is late" in line for line in lines)


def test_after_the_deadline_incomplete_experimentations_are_late(tmp_path: Path) -> None:
    settings = golden(tmp_path)
    status = read_status(settings, date(2025, 11, 22))  # the last closed quarter is still 2025-T3
    closed = status.closed
    assert closed is not None and closed.quarter == QUARTER
    assert closed.overdue == closed.partial + closed.absent
    assert closed.sent_after_deadline == 0  # every golden file came on 5-10 October
    lines = format_status(status, settings.inbox_dir)
    [line] = [line for line in lines if line.startswith("Last closed quarter 2025-T3:")]
    assert f"late since 2025-10-11: {closed.overdue} not complete" in line
    assert lines[-1].startswith("Open quarter 2025-T4:") and "nobody is late before 2026-01-11" in lines[-1]


def test_status_lists_the_last_editions_of_a_quarter(tmp_path: Path) -> None:
    settings = golden(tmp_path)
    result = CliRunner().invoke(app, ["status", "--data-root", str(settings.root)])
    assert result.exit_code == 0, result.output
    assert "Last quarter editions:" in result.output and "2025-T3 edition 1: 6 file(s)" in result.output
    assert "Last ingest runs:" in result.output


def test_a_closed_quarter_when_no_experimentation_ran_says_so_in_one_line(tmp_path: Path) -> None:
    settings = golden(tmp_path)
    with open_warehouse(settings.warehouse_path) as con:
        running = con.execute("SELECT DISTINCT finess, use_case FROM measurement_latest").fetchall()
        sync_calendar(con, [CalendarEntry(f, uc, "2025-T1", "2025-T4") for f, uc in running])
    status = read_status(settings, date(2026, 12, 2))  # the programme ended in 2025-T4

    assert status.closed is not None and status.closed.expected == 0 and status.closed.overdue == 0
    lines = format_status(status, settings.inbox_dir)
    [line] = [line for line in lines if line.startswith("Last closed quarter 2026-T3")]
    assert line == (
        "Last closed quarter 2026-T3: no experimentation expected (none running by the programme's calendar)."
    )
    assert read_status(settings, date(2025, 11, 22)).closed.expected == len(running)  # type: ignore[union-attr]
