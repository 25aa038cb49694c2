"""A file's life without Prefect: claim, read, validate, settle; the warehouse and the drop zone after."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from intake import claim_release, dropzone
from intake.submissions import Outcome, read_claim, settle_claims, validate_claims
from schemas.catalogue import default_catalogue
from schemas.reading import Limits
from tlkpi.settings import Settings
from warehouse.load import SubmissionRecord, load_accepted

TODAY = date(2026, 11, 22)
GOOD = [
    "010780195,UC01,EFF_DELAI_PEC,2024-T4,reference,50,,,30",
    "010780195,UC01,EFF_DELAI_PEC,2025-T3,pilote,40,,,30",
    "010780195,UC01,QUA_READMISSION_30J,2025-09,pilote,,5,40,",
]


def process(settings: Settings, path: Path) -> Outcome:
    claim = dropzone.claim(path, settings.inbox_dir, settings.processing_dir)
    assert claim is not None
    readable = read_claim(claim, Limits())
    [summary] = validate_claims([claim], [readable], default_catalogue(), TODAY)
    [outcome] = settle_claims([claim], [summary], settings, flow_run_id=None)
    return outcome


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    row = con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def test_accepted_file_is_archived_and_every_fact_points_to_it(settings, warehouse, drop):
    path = drop("010780195/kpi_2025.csv", GOOD)
    warehouse.close()
    outcome = process(settings, path)
    assert (outcome.verdict, outcome.rows, outcome.loaded) == ("accepted", 3, 3)
    archived = Path(outcome.stored_path)
    assert archived.exists() and archived.parent.parent == settings.archive_dir
    assert not path.exists()
    assert list(settings.processing_dir.iterdir()) == []
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "SELECT m.kpi, m.domain, m.quarter, m.value, s.stored_path FROM measurement m "
            "JOIN submission s ON s.id = m.submission_id ORDER BY m.source_row"
        ).fetchall()
    assert rows == [
        ("EFF_DELAI_PEC", "EFF", "2024-T4", 50.0, str(archived)),
        ("EFF_DELAI_PEC", "EFF", "2025-T3", 40.0, str(archived)),
        ("QUA_READMISSION_30J", "QUA", "2025-T3", 12.5, str(archived)),
    ]


def test_rejected_file_is_kept_with_its_french_report_and_nothing_is_loaded(settings, warehouse, drop):
    warehouse.close()
    path = drop(
        "010780195/export.csv",
        [GOOD[0], "010780195,UC01,EFF_TAUX_OCCUPATION,2025-T3,pilote,140,,,"],
    )
    outcome = process(settings, path)
    assert outcome.verdict == "rejected"
    kept = Path(outcome.stored_path)
    assert kept.read_bytes().startswith(b"finess,")
    report = kept.with_name(kept.name + ".rapport.html").read_text(encoding="utf-8")
    assert "Fichier refusé" in report and "valeur_hors_plage" in report and "<td>3</td>" in report
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert scalar(con, "SELECT count(*) FROM measurement") == 0
        issues = con.execute(
            "SELECT row_number, column_name, rule FROM validation_issue WHERE severity = 'error'"
        ).fetchall()
    assert ("numerateur_requis" in {rule for _, _, rule in issues}) and (
        3,
        "valeur",
        "valeur_hors_plage",
    ) in issues


def test_same_bytes_twice_is_a_no_op(settings, warehouse, drop):
    warehouse.close()
    first = process(settings, drop("010780195/a.csv", GOOD))
    second = process(settings, drop("010780195/a_copie.csv", GOOD))
    assert (first.verdict, second.verdict) == ("accepted", "duplicate")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert scalar(con, "SELECT count(*) FROM submission") == 1
        assert scalar(con, "SELECT count(*) FROM measurement") == 3
    assert not (settings.inbox_dir / "010780195" / "a_copie.csv").exists()


def test_a_later_file_supersedes_the_same_key_and_keeps_history(settings, warehouse, drop):
    warehouse.close()
    process(settings, drop("010780195/v1.csv", GOOD))
    correction = ["010780195,UC01,EFF_DELAI_PEC,2025-Q3,pilote,35,,,30"]  # same key, other spelling
    outcome = process(settings, drop("010780195/v2.csv", correction))
    assert (outcome.verdict, outcome.superseded) == ("accepted", 1)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        history = con.execute(
            "SELECT value, superseded FROM measurement WHERE kpi = 'EFF_DELAI_PEC' AND period = '2025-T3' ORDER BY id"
        ).fetchall()
        latest = scalar(
            con, "SELECT value FROM measurement_latest WHERE kpi = 'EFF_DELAI_PEC' AND period = '2025-T3'"
        )
    assert history == [(40.0, True), (35.0, False)]
    assert latest == 35.0


def test_a_failing_load_leaves_the_warehouse_untouched(settings, warehouse):
    bad_phase = pa.table(
        {
            "source_row": pa.array([2], pa.int32()),
            "finess": ["010780195"],
            "use_case": ["UC01"],
            "domain": ["EFF"],
            "kpi": ["EFF_DELAI_PEC"],
            "period": ["2025-T3"],
            "quarter": ["2025-T3"],
            "phase": ["not-a-phase"],  # violates the CHECK constraint after the submission row is written
            "value": [1.0],
            "numerator": pa.array([None], pa.float64()),
            "denominator": pa.array([None], pa.float64()),
            "n_patients": pa.array([None], pa.int64()),
            "comment": pa.array([None], pa.string()),
        }
    )
    record = SubmissionRecord(
        "f" * 64, "x.csv", "x.csv", None, __import__("datetime").datetime(2025, 10, 1), "/x", None
    )
    with pytest.raises(duckdb.Error):
        load_accepted(warehouse, record, bad_phase)
    assert scalar(warehouse, "SELECT count(*) FROM submission") == 0
    assert scalar(warehouse, "SELECT count(*) FROM measurement") == 0


def test_discovery_skips_what_is_not_a_finished_upload(settings, drop):
    drop("010780195/ok.csv", GOOD)
    for name in ("upload.csv.part", ".hidden.csv", "~$classeur.xlsx"):
        drop(f"010780195/{name}", GOOD)
    (settings.inbox_dir / "010780195" / "subfolder").mkdir()
    os.symlink(settings.inbox_dir / "010780195" / "ok.csv", settings.inbox_dir / "lien.csv")
    found = [p.relative_to(settings.inbox_dir).as_posix() for p in dropzone.discover(settings.inbox_dir)]
    assert found == ["010780195/ok.csv"]


def test_an_abandoned_claim_goes_back_to_the_inbox(settings, drop):
    path = drop("010780195/ok.csv", GOOD)
    claim = dropzone.claim(path, settings.inbox_dir, settings.processing_dir)
    assert claim is not None and not path.exists()
    assert dropzone.claim(path, settings.inbox_dir, settings.processing_dir) is None  # already taken
    released = claim_release.release_stale_claims(
        settings.inbox_dir, settings.processing_dir, older_than_seconds=-1
    )
    assert released == [path] and path.exists()
    assert list(settings.processing_dir.iterdir()) == []


def test_files_in_equal_accepted_plus_rejected_plus_pending(settings, warehouse, drop):
    warehouse.close()
    drop("010780195/a.csv", GOOD)
    drop("010780195/b.csv", ["010780196,UC01,EFF_DELAI_PEC,2025-T3,pilote,40,,,30"])
    drop("c.csv", ["010780906,UC02,QUA_DMS,2025-T2,pilote,6,,,20"])
    pending = drop("010780195/d.csv", ["010780195,UC03,QUA_DMS,2025-T2,pilote,6,,,20"])
    dropped = 4
    for path in dropzone.discover(settings.inbox_dir):
        if path != pending:
            process(settings, path)
    archived = list(settings.archive_dir.rglob("*.csv"))
    rejected = list(settings.rejected_dir.rglob("*.csv"))
    still = dropzone.discover(settings.inbox_dir)
    assert (len(archived), len(rejected), len(still)) == (2, 1, 1)
    assert len(archived) + len(rejected) + len(still) == dropped
