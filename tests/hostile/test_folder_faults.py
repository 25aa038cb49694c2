"""One establishment's folder that cannot be emptied or written (an immutable folder or file, set with
`chattr +i`, which binds root too) is that folder's fault: logged, shown by `tlkpi status`, its files
wait, and every other establishment loads."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from hostile_cases import HOME, PEERS, by_file, csv_bytes, drop, drop_good_files, row, run

from intake import claim_release, dropzone
from intake.folder_faults import read_faults
from intake.status import format_status, read_status
from tlkpi.settings import Settings


@contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """The entry made immutable for everyone, root included (`chattr +i`), until the block ends."""
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not available here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def assert_peers_loaded(outcomes: list) -> None:
    settled = by_file(outcomes)
    for number, finess in enumerate(PEERS):
        outcome = settled[f"{finess}/indicateurs_{number}.csv"]
        assert (outcome.verdict, outcome.loaded) == ("accepted", 2)


def test_an_immutable_establishment_folder_does_not_stop_the_others(settings: Settings) -> None:
    drop(settings, f"{HOME}/indicateurs.csv", csv_bytes(row()))
    drop(settings, f"{HOME}/correction.csv", csv_bytes(row(value="41")))
    drop_good_files(settings)
    with immutable(settings.inbox_dir / HOME):
        outcomes = run(settings)
        assert_peers_loaded(outcomes)
        assert len(outcomes) == 2  # HOME's files wait in its folder
        assert sorted(p.name for p in (settings.inbox_dir / HOME).iterdir()) == [
            "correction.csv",
            "indicateurs.csv",
        ]
        [fault] = read_faults(settings.inbox_dir)
        assert (fault.folder, fault.operation) == (HOME, "claim")
        assert "EPERM" in fault.error
        assert run(settings) == []  # every rerun goes on too
        lines = "\n".join(format_status(read_status(settings, date(2026, 11, 22)), settings.inbox_dir))
        assert f"Folder {HOME} unusable" in lines and "2 file(s) waiting" in lines
    assert {o.verdict for o in run(settings)} == {"accepted"}  # the folder fixed, its files load
    assert read_faults(settings.inbox_dir) == []
    assert not any(p.is_file() for p in settings.inbox_dir.rglob("*"))


def test_an_immutable_file_waits_and_the_others_load(settings: Settings) -> None:
    stuck = drop(settings, f"{HOME}/indicateurs.csv", csv_bytes(row()))
    drop_good_files(settings)
    with immutable(stuck):
        outcomes = run(settings)
        assert_peers_loaded(outcomes)
        assert [f.folder for f in read_faults(settings.inbox_dir)] == [HOME]
    assert stuck.exists() and not any(settings.processing_dir.glob("*/*"))


def test_an_outbox_folder_that_cannot_be_written_settles_the_file_and_records_the_fault(
    settings: Settings,
) -> None:
    drop(settings, f"{HOME}/indicateurs.csv", csv_bytes(row()))
    drop_good_files(settings)
    (settings.outbox_dir / HOME).mkdir(parents=True)
    with immutable(settings.outbox_dir / HOME):
        outcomes = run(settings)
    assert {o.verdict for o in outcomes} == {"accepted"} and len(outcomes) == 3
    assert [(f.folder, f.operation) for f in read_faults(settings.inbox_dir)] == [
        (HOME, "write the receipt in outbox/ of")
    ]
    assert not any(settings.processing_dir.glob("*/*"))
    assert all(list((settings.outbox_dir / finess).glob("*.json")) for finess in PEERS)


def test_a_dead_runs_claim_whose_folder_is_immutable_stays_safe_in_processing(settings: Settings) -> None:
    path = drop(settings, f"{HOME}/indicateurs.csv", csv_bytes(row()))
    [taken] = dropzone.claim_all([path], settings.inbox_dir, settings.processing_dir)[0]
    faults: list = []
    with immutable(settings.inbox_dir / HOME):
        released = claim_release.release_stale_claims(
            settings.inbox_dir, settings.processing_dir, 0, None, faults
        )
    assert released == [] and [f.operation for f in faults] == ["put back"]
    assert Path(taken.path).exists()
    assert claim_release.release_stale_claims(settings.inbox_dir, settings.processing_dir, 0) == [path]


def test_an_immutable_warehouse_is_told_as_a_permission_problem_not_a_damaged_file(
    settings: Settings,
) -> None:
    from tlkpi.errors import operator_message
    from warehouse.db import open_warehouse

    with open_warehouse(settings.warehouse_path):
        pass
    with (
        immutable(settings.warehouse_path),
        pytest.raises(Exception) as refused,
        open_warehouse(settings.warehouse_path) as con,
    ):
        con.execute("CREATE TABLE probe (a INTEGER)")
    message = operator_message(refused.value) or ""
    assert "permission problem" in message and "restore" not in message
