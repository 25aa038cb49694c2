"""Attacks and accidents at the drop zone: links swapped in, uploads still running, files received in
one order and committed in another, corrected re-drops."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import duckdb
from hostile_cases import (
    HOME,
    PEERS,
    by_file,
    claim_all,
    csv_bytes,
    drop,
    drop_good_files,
    everything_shown,
    row,
    run,
    settle,
)  # fmt: skip

from intake import dropzone
from intake.reception import record_sighting
from tlkpi.settings import Settings

SECRET = "root:x:0:0:secret-of-the-host"


def outside_file(settings: Settings) -> Path:
    """A file outside the data root that nobody may make the pipeline read."""
    path = settings.root.parent / "passwd"
    path.write_text(SECRET + "\n", encoding="utf-8")
    return path


def test_a_file_swapped_for_a_symlink_after_discovery_is_refused_unread(settings: Settings) -> None:
    drop(settings, f"{HOME}/envoi.csv", csv_bytes(row()))
    good = drop_good_files(settings)
    found = dropzone.discover(settings.inbox_dir, settings.settle_seconds)
    victim = settings.inbox_dir / HOME / "envoi.csv"
    victim.unlink()
    os.symlink(outside_file(settings), victim)  # swapped in between discovery and claim
    outcomes = settle(settings, claim_all(settings, found))
    settled = by_file(outcomes)
    assert settled[f"{HOME}/envoi.csv"].verdict == "rejected"
    assert "fichier_non_regulier" in settled[f"{HOME}/envoi.csv"].first_issue
    assert all(settled[name].verdict == "accepted" for name in good)
    assert SECRET not in everything_shown(settings, outcomes)
    assert not any(
        p.is_file() and SECRET in p.read_text("utf-8", "replace") for p in settings.root.rglob("*")
    )
    assert (settings.root.parent / "passwd").read_text(encoding="utf-8") == SECRET + "\n"  # untouched


def test_a_symlink_claimed_is_refused_with_a_report_and_nothing_read(settings: Settings) -> None:
    drop(settings, f"{HOME}/envoi.csv", csv_bytes(row()))
    found = dropzone.discover(settings.inbox_dir, settings.settle_seconds)
    (settings.inbox_dir / HOME / "envoi.csv").unlink()
    os.symlink(outside_file(settings), settings.inbox_dir / HOME / "envoi.csv")
    [taken] = [dropzone.claim(path, settings.inbox_dir, settings.processing_dir) for path in found]
    assert taken is not None and taken.refusal == "fichier_non_regulier"
    assert not Path(taken.path).exists()  # the link is gone, its target is not copied anywhere
    assert not any(
        p.is_file() and SECRET in p.read_text("utf-8", "replace") for p in settings.root.rglob("*")
    )


def test_a_hard_link_to_a_file_outside_is_refused_unread(settings: Settings) -> None:
    target = outside_file(settings)
    (settings.inbox_dir / HOME).mkdir(parents=True)
    os.link(target, settings.inbox_dir / HOME / "lien_dur.csv")
    os.utime(settings.inbox_dir / HOME / "lien_dur.csv", (1.7e9, 1.7e9))
    record_sighting(settings.inbox_dir, settings.inbox_dir / HOME / "lien_dur.csv", time.time() - 60)
    good = drop_good_files(settings)
    outcomes = run(settings)
    settled = by_file(outcomes)
    assert settled[f"{HOME}/lien_dur.csv"].verdict == "rejected"
    assert "fichier_non_regulier" in settled[f"{HOME}/lien_dur.csv"].first_issue
    assert all(settled[name].verdict == "accepted" for name in good)
    assert SECRET not in everything_shown(settings, outcomes)
    assert not list(settings.rejected_dir.rglob("*lien_dur.csv"))  # only the report is kept
    assert target.read_text(encoding="utf-8") == SECRET + "\n" and os.stat(target).st_nlink == 1


def test_an_upload_still_being_written_waits_for_a_later_run(settings: Settings) -> None:
    full = csv_bytes(*(row(period=f"2025-{m:02d}") for m in range(1, 10)))
    drop(settings, f"{HOME}/en_cours.csv", full[:200], age_seconds=0)  # written just now
    good = drop_good_files(settings)
    outcomes = run(settings)
    assert {o.file for o in outcomes} == set(good)  # the partial file is not taken
    assert (settings.inbox_dir / HOME / "en_cours.csv").exists()
    drop(settings, f"{HOME}/en_cours.csv", full)  # the upload completed and settled
    [outcome] = run(settings)
    assert outcome.verdict == "accepted" and outcome.loaded == 9


def test_a_file_that_grows_between_discovery_and_claim_goes_back_to_the_inbox(settings: Settings) -> None:
    path = drop(settings, f"{HOME}/envoi.csv", csv_bytes(row()))
    [found] = dropzone.discover(settings.inbox_dir, settings.settle_seconds)
    with path.open("ab") as handle:
        handle.write(row(phase="reference").encode())  # the upload was not over
    assert dropzone.claim(found, settings.inbox_dir, settings.processing_dir, settings.settle_seconds) is None
    assert path.read_bytes() == csv_bytes(row(), row(phase="reference"))
    assert not any(settings.processing_dir.glob("*/*"))


def test_the_stored_bytes_are_the_bytes_hashed(settings: Settings) -> None:
    drop(settings, f"{HOME}/envoi.csv", csv_bytes(row()))
    [outcome] = run(settings)
    stored = Path(outcome.stored_path)
    assert stored.name == hashlib.sha256(stored.read_bytes()).hexdigest() + ".csv"


def current_value(settings: Settings) -> float:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        [(value,)] = con.execute(
            f"SELECT value FROM measurement WHERE NOT superseded AND finess = '{HOME}'"
        ).fetchall()
    return float(value)


def test_an_older_file_committed_later_does_not_supersede_a_newer_one(settings: Settings) -> None:
    drop(settings, f"{HOME}/ancien.csv", csv_bytes(row(value="90")))
    slow = claim_all(settings, dropzone.discover(settings.inbox_dir, settings.settle_seconds))  # run 1
    drop(settings, f"{HOME}/nouveau.csv", csv_bytes(row(value="30")))  # received after ancien.csv
    assert [o.verdict for o in run(settings)] == ["accepted"]  # run 2 commits first
    [late] = settle(settings, slow)  # run 1 commits last
    assert late.verdict == "accepted"
    assert current_value(settings) == 30.0
    drop(settings, f"{HOME}/correction.csv", csv_bytes(row(value="25")), age_seconds=10)
    run(settings)
    assert current_value(settings) == 25.0


def test_refused_bytes_moved_to_the_right_folder_are_checked_again(settings: Settings) -> None:
    data = csv_bytes(row(finess=PEERS[0]))
    drop(settings, f"{HOME}/envoi.csv", data)  # the peer's file in HOME's folder
    [refused] = run(settings)
    assert refused.verdict == "rejected" and "finess_hors_dossier" in refused.first_issue
    drop(settings, f"{PEERS[0]}/envoi.csv", data)  # « déposez le fichier dans le bon dossier »
    [again] = run(settings)
    assert again.verdict == "accepted" and again.loaded == 1
    drop(settings, f"{PEERS[0]}/copie.csv", data)  # accepted bytes once more: a no-op
    [duplicate] = run(settings)
    assert duplicate.verdict == "duplicate"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert con.execute("SELECT status, count(*) FROM submission GROUP BY ALL").fetchall() == [
            ("accepted", 1)
        ]


def test_the_same_bytes_in_a_wrong_and_the_right_folder_in_one_run_are_loaded(settings: Settings) -> None:
    data = csv_bytes(row(finess=PEERS[0]))
    drop(settings, f"{HOME}/envoi.csv", data, age_seconds=90)  # first, in the wrong folder
    drop(settings, f"{PEERS[0]}/envoi.csv", data, age_seconds=30)
    outcomes = run(settings)
    settled = by_file(outcomes)
    assert settled[f"{PEERS[0]}/envoi.csv"].verdict == "accepted"
    refused = settled[f"{HOME}/envoi.csv"]
    assert refused.verdict == "rejected" and "finess_hors_dossier" in refused.first_issue
    assert_names_no_submission(settings, outcomes)


def assert_names_no_submission(settings: Settings, outcomes: list) -> None:
    """Nothing HOME can read (verdict, receipt, report) names a submission of another establishment."""
    shown = [repr([o for o in outcomes if o.finess == HOME])]
    shown += [p.read_text("utf-8") for p in (settings.outbox_dir / HOME).glob("*")]
    shown += [p.read_text("utf-8") for p in (settings.rejected_dir / HOME).glob("*.html")]
    assert not any("soumission n°" in text or "duplicate" in text for text in shown)


def test_another_establishments_accepted_file_in_a_folder_is_refused_for_its_finess(
    settings: Settings,
) -> None:
    data = csv_bytes(row(finess=PEERS[0]))
    drop(settings, f"{PEERS[0]}/envoi.csv", data)
    assert [o.verdict for o in run(settings)] == ["accepted"]
    drop(settings, f"{HOME}/envoi.csv", data)  # the same bytes, in another establishment's folder
    outcomes = run(settings)
    [refused] = outcomes
    assert refused.verdict == "rejected" and "finess_hors_dossier" in refused.first_issue
    assert_names_no_submission(settings, outcomes)
    assert (settings.rejected_dir / HOME).is_dir()  # kept with its report, like any refusal
