"""Reception order is the pipeline's own clock: a client's modification time (kept by `cp -p`,
`rsync -t`, `sftp put -p`, or set in the future) neither reorders values nor holds a file back."""

from __future__ import annotations

import os
import time

import duckdb
from hostile_cases import HOME, csv_bytes, drop, drop_good_files, row, run

from intake import dropzone
from tlkpi.settings import Settings

LONG_AGO = 1_500_000_000.0  # 2017: `cp -p` of a file written long before
YEAR_2100 = 4_102_444_800.0


def current_values(settings: Settings) -> list[float]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "SELECT value FROM measurement WHERE NOT superseded AND finess = ? ORDER BY id", [HOME]
        ).fetchall()
    return [float(value) for (value,) in rows]


def test_a_correction_uploaded_with_its_old_mtime_supersedes_the_value_it_corrects(
    settings: Settings,
) -> None:
    drop(settings, f"{HOME}/indicateurs.csv", csv_bytes(row(value="70")))
    assert [o.verdict for o in run(settings)] == ["accepted"]
    drop(settings, f"{HOME}/indicateurs_corrige.csv", csv_bytes(row(value="60")), mtime=LONG_AGO)
    [correction] = run(settings)
    assert (correction.verdict, correction.loaded, correction.superseded) == ("accepted", 1, 1)
    assert current_values(settings) == [60.0]


def test_a_correction_in_the_same_inbox_as_a_future_dated_file_wins(settings: Settings) -> None:
    drop(settings, f"{HOME}/futur.csv", csv_bytes(row(value="70")), mtime=YEAR_2100)
    drop(settings, f"{HOME}/correction.csv", csv_bytes(row(value="60")))  # seen after futur.csv
    good = drop_good_files(settings)
    outcomes = run(settings)
    assert {o.file: o.verdict for o in outcomes} == {
        f"{HOME}/futur.csv": "accepted",
        f"{HOME}/correction.csv": "accepted",
        **dict.fromkeys(good, "accepted"),
    }
    assert current_values(settings) == [60.0]
    assert not any(p.is_file() for p in settings.inbox_dir.rglob("*")), "a file was left in the inbox"


def test_a_future_mtime_is_taken_once_the_pipeline_saw_it_settle(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_root=tmp_path / "var", settle_seconds=0.5)
    path = settings.inbox_dir / HOME / "futur.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(csv_bytes(row()))
    os.utime(path, (time.time() + 150, time.time() + 150))
    assert dropzone.discover(settings.inbox_dir, settings.settle_seconds) == []  # first seen just now
    assert dropzone.list_candidates(settings.inbox_dir) == [path]  # `tlkpi status` counts it waiting
    time.sleep(0.6)
    assert dropzone.discover(settings.inbox_dir, settings.settle_seconds) == [path]
    taken = dropzone.claim(path, settings.inbox_dir, settings.processing_dir, settings.settle_seconds)
    assert taken is not None and taken.received_at < "2100"


def test_an_old_mtime_does_not_make_a_file_just_written_look_settled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_root=tmp_path / "var", settle_seconds=0.5)
    path = settings.inbox_dir / HOME / "copie.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(csv_bytes(row()))
    os.utime(path, (LONG_AGO, LONG_AGO))  # `sftp put -p` sets the old time as the transfer ends
    assert dropzone.discover(settings.inbox_dir, settings.settle_seconds) == []
    assert dropzone.claim(path, settings.inbox_dir, settings.processing_dir, settings.settle_seconds) is None
    started = time.monotonic()
    assert dropzone.discover(settings.inbox_dir, settings.settle_seconds, wait=True) == [path]
    assert time.monotonic() - started < 2


def test_reception_times_are_distinct_and_in_the_order_files_were_first_seen(settings: Settings) -> None:
    names = ["c.csv", "a.csv", "b.csv"]
    for number, name in enumerate(names):
        drop(settings, f"{HOME}/{name}", csv_bytes(row(value=str(50 + number))), mtime=LONG_AGO - number)
    found = dropzone.discover(settings.inbox_dir, settings.settle_seconds)
    assert [p.name for p in found] == names
    outcomes = run(settings)
    assert [o.file.split("/")[-1] for o in outcomes] == names
    assert current_values(settings) == [52.0]  # the last one seen wins, whatever the mtimes say
