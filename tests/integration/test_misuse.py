"""Misuse: entries that are not plain files, another hospital's figures, personal data, formulas."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb

from intake import dropzone
from intake.run import ingest_inbox
from reports.site.open_data import format_field
from tlkpi.settings import Settings

HEADER = "finess,cas_usage,indicateur,periode,phase,valeur,effectif,commentaire\n"


def ingest(settings: Settings) -> list:
    return ingest_inbox(settings, date(2026, 11, 22))


def test_only_plain_files_are_read_and_special_files_get_a_refusal(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    folder = settings.inbox_dir / "010780195"
    folder.mkdir(parents=True)
    (folder / "ok.csv").write_text(HEADER + "010780195,UC05,QUA_DMS,2025-T3,pilote,6,40,\n", encoding="utf-8")
    os.mkfifo(folder / "tube.csv")  # a named pipe would block a reader forever
    (folder / "dossier.csv").mkdir()  # a directory named like a file
    (tmp_path / "outside.csv").write_text("secret\n", encoding="utf-8")
    os.symlink(tmp_path / "outside.csv", folder / "lien.csv")  # a way out of the inbox
    os.symlink(tmp_path, settings.inbox_dir / "010780906")  # a folder pointing elsewhere
    found = [p.relative_to(settings.inbox_dir).as_posix() for p in dropzone.discover(settings.inbox_dir)]
    assert found == ["010780195/ok.csv", "010780195/tube.csv"]
    verdicts = {o.file: (o.verdict, o.first_issue) for o in ingest(settings)}
    assert verdicts == {
        "010780195/ok.csv": ("accepted", ""),
        "010780195/tube.csv": ("rejected", "- : fichier_non_regulier"),
    }
    assert not (folder / "tube.csv").exists()  # settled with a receipt, not ignored forever
    assert list((settings.outbox_dir / "010780195").glob("*.json"))


def test_another_hospitals_rows_reject_the_whole_file(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    folder = settings.inbox_dir / "010780195"
    folder.mkdir(parents=True)
    (folder / "envoi.csv").write_text(
        HEADER
        + "010780195,UC05,QUA_DMS,2025-T3,pilote,6,40,\n"
        + "010780906,UC05,QUA_DMS,2025-T3,pilote,9,40,\n",
        encoding="utf-8",
    )
    [outcome] = ingest(settings)
    assert outcome.verdict == "rejected" and "finess_hors_dossier" in outcome.first_issue
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM measurement").fetchone() == (0,)


def test_personal_data_in_a_comment_is_never_echoed(tmp_path: Path) -> None:
    settings = Settings(data_root=tmp_path / "var")
    folder = settings.inbox_dir / "010780195"
    folder.mkdir(parents=True)
    secret = "joindre jean.dupont@example.org"
    (folder / "envoi.csv").write_text(
        HEADER + f"010780195,UC05,QUA_DMS,2025-T3,pilote,6,40,{secret}\n", encoding="utf-8"
    )
    [outcome] = ingest(settings)
    assert outcome.verdict == "rejected" and "jean.dupont" not in str(outcome)
    report = Path(outcome.stored_path).with_name(Path(outcome.stored_path).name + ".rapport.html")
    assert "donnee_personnelle" in report.read_text(encoding="utf-8")
    assert "jean.dupont" not in report.read_text(encoding="utf-8")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        stored = con.execute(
            "SELECT string_agg(coalesce(value, '') || message, ' ') FROM validation_issue"
        ).fetchone()
    assert stored is not None and "jean.dupont" not in str(stored[0])


def test_open_data_text_cannot_run_as_a_spreadsheet_formula() -> None:
    assert [format_field(v) for v in ["=HYPERLINK(1)", "+1", "@SUM(A1)", "UC05", -0.5]] == [
        "'=HYPERLINK(1)",
        "'+1",
        "'@SUM(A1)",
        "UC05",
        "-0.5",
    ]
