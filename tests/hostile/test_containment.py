"""Whatever goes wrong with one file, it ends with a verdict and the other files of the run settle."""

from __future__ import annotations

import logging

import duckdb
import pytest
from hostile_cases import HOME, by_file, csv_bytes, drop, drop_good_files, row, run

from schemas import validation
from tlkpi.settings import Settings
from warehouse import load


def test_a_file_the_store_cannot_take_is_quarantined_alone(settings: Settings) -> None:
    drop(settings, f"{HOME}/envoi.csv", csv_bytes(row(value="")))  # rejected: goes to rejected/HOME/
    settings.rejected_dir.mkdir(parents=True)
    (settings.rejected_dir / HOME).write_text("an operator's stray file\n")  # a file where a folder goes
    good = drop_good_files(settings)
    settled = by_file(run(settings))
    assert settled[f"{HOME}/envoi.csv"].verdict == "quarantined"
    assert all(settled[name].verdict == "accepted" for name in good)
    [kept] = settings.quarantine_dir.glob("*_envoi.csv")
    assert kept.read_bytes() == csv_bytes(row(value=""))
    assert "Erreur de traitement" in kept.with_name(kept.name + ".cause.txt").read_text(encoding="utf-8")


def test_a_check_that_crashes_on_one_file_is_split_until_that_file_is_alone(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug not known yet, injected: the batch fails, is split, and only its file is quarantined."""
    real = validation.validate_tables

    def crashes_on_the_poisoned_file(submitted, *args, **kwargs):  # type: ignore[no-untyped-def]
        if any(table.frame["valeur"].str.contains("41").any() for table, _ in submitted):
            raise ValueError("zip() argument 2 is shorter than argument 1")
        return real(submitted, *args, **kwargs)

    monkeypatch.setattr("intake.submissions.validate_tables", crashes_on_the_poisoned_file)
    for number in range(5):
        drop(settings, f"{HOME}/envoi_{number}.csv", csv_bytes(row(value=f"4{number}", kpi="QUA_DMS")))
    good = drop_good_files(settings)
    settled = by_file(run(settings))
    assert settled[f"{HOME}/envoi_1.csv"].verdict == "quarantined"
    assert [settled[f"{HOME}/envoi_{n}.csv"].verdict for n in (0, 2, 3, 4)] == ["accepted"] * 4
    assert all(settled[name].verdict == "accepted" for name in good)
    assert "validate failed" in caplog.text and "ValueError" in caplog.text


def test_a_file_the_warehouse_refuses_is_quarantined_and_the_others_are_loaded(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB refused an INT32 overflow at load and the whole run failed; injected here, as the
    bounds now stop that value before: the batch is recorded file by file and the culprit quarantined."""
    real = load.record_batch

    def refuses_the_poisoned_file(con, files):  # type: ignore[no-untyped-def]
        if any(
            file.measurements is not None and 77.0 in file.measurements["value"].to_pylist() for file in files
        ):
            raise duckdb.ConversionException("Type DOUBLE with value 3e9 can't be cast to INT32")
        return real(con, files)

    monkeypatch.setattr("intake.submissions.record_batch", refuses_the_poisoned_file)
    drop(settings, f"{HOME}/poison.csv", csv_bytes(row(value="77")))
    good = drop_good_files(settings)
    settled = by_file(run(settings))
    assert settled[f"{HOME}/poison.csv"].verdict == "quarantined"
    assert all(settled[name].verdict == "accepted" and settled[name].loaded == 2 for name in good)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        statuses = con.execute("SELECT status, count(*) FROM submission GROUP BY ALL ORDER BY 1").fetchall()
    assert statuses == [("accepted", 2), ("rejected", 1)]


def test_a_file_over_its_time_budget_is_refused_naming_the_limit(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO)
    tight = Settings(data_root=tmp_path / "var", settle_seconds=0, check_seconds_per_file=1e-9)
    drop(tight, f"{HOME}/envoi.csv", csv_bytes(row()))
    [outcome] = run(tight)
    assert outcome.verdict == "rejected" and "controle_trop_long" in outcome.first_issue
    with duckdb.connect(str(tight.warehouse_path), read_only=True) as con:
        [(message,)] = con.execute("SELECT message FROM validation_issue").fetchall()
    assert "1e-09 secondes" in message
