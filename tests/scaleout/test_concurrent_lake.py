"""Two ingest workers on one lake: they commit concurrently, a reader never waits, a killed worker's
files are taken by the next run, and every file is loaded exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pipeline import drop_files, lake_settings

from intake.submissions import LOAD_LOCK
from schemas.catalogue import default_catalogue
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

pytestmark = pytest.mark.slow  # real servers: PostgreSQL, a lake, worker processes
PROJECT = Path(__file__).resolve().parents[2]
FILES = 300
WORKER = """
import os, signal, sys
sys.path[:0] = [{project!r}, {here!r}]
{fault}
from pipeline import ingest_once
from tlkpi.settings import Settings
print(len(ingest_once(Settings())))
"""
# SIGKILL the worker inside its load transaction, before COMMIT.
KILL_IN_TRANSACTION = """
import warehouse.load as _load
_real = _load._record_measurements
def _killing(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
_load._record_measurements = _killing
"""
KEY = "finess, use_case, kpi, period, phase"


def start_worker(settings: Settings, fault: str = "") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TLKPI_DATA_ROOT": str(settings.root),
        "TLKPI_WAREHOUSE_BACKEND": "ducklake",
        "TLKPI_LAKE_CATALOG": settings.lake_catalog,
        "TLKPI_LAKE_DATA_PATH": settings.lake_data_path,
        "TLKPI_INGEST_BATCH_FILES": "50",
    }
    code = WORKER.format(project=str(PROJECT), here=str(Path(__file__).parent), fault=fault)
    # Workers run at a lower CPU priority: in production they are other machines than the analyst's, and
    # the test measures waiting on the writers, not sharing a few cores with them.
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.nice(10),
    )


@contextmanager
def reader_every_second(settings: Settings) -> Iterator[list[tuple[float, int]]]:
    """An analyst's session on the lake, querying the marts every second; yields each query's time and
    the number of values in effect it saw."""
    waits: list[tuple[float, int]] = []
    stop = threading.Event()

    def query() -> None:
        with open_warehouse(settings.warehouse, read_only=True) as con:
            while not stop.is_set():
                started = time.monotonic()
                [(seen, _)] = con.execute("SELECT count(*), sum(value) FROM measurement_latest").fetchall()
                waits.append((time.monotonic() - started, int(seen)))
                stop.wait(1.0)

    thread = threading.Thread(target=query)
    thread.start()
    try:
        yield waits
    finally:
        stop.set()
        thread.join(timeout=30)


def prepare_lake(root: Path, catalog: str) -> Settings:
    settings = lake_settings(root, catalog)
    with open_warehouse(settings.warehouse) as con:  # the lake's schema, once, before the workers
        sync_catalogue(con, default_catalogue())
    return settings


def assert_every_file_once(settings: Settings, files: int, rows: int) -> None:
    with open_warehouse(settings.warehouse, read_only=True) as con:
        counts = con.execute(
            "SELECT count(*), count(DISTINCT sha256), count(DISTINCT id) FROM submission"
        ).fetchone()
        measurements = con.execute("SELECT count(*), count(DISTINCT id) FROM measurement").fetchone()
        doubled = con.execute(
            f"SELECT count(*) FROM (SELECT {KEY} FROM measurement_latest GROUP BY {KEY} HAVING count(*) > 1)"
        ).fetchone()
    assert counts == (files, files, files)
    assert measurements == (rows, rows)
    assert doubled == (0,), "a key has two values in effect"
    assert list(settings.inbox_dir.rglob("*.csv")) == []
    assert [p.name for p in settings.processing_dir.iterdir()] == [
        LOAD_LOCK
    ]  # no claim left, the loads' lock


def test_two_workers_ingest_300_files_at_once_while_a_reader_never_waits(
    tmp_path: Path, lake_catalog: str
) -> None:
    settings = prepare_lake(tmp_path / "var", lake_catalog)
    rows = drop_files(settings.inbox_dir, FILES)

    with reader_every_second(settings) as waits:
        started = time.monotonic()
        workers = [start_worker(settings) for _ in range(2)]
        outputs = [worker.communicate(timeout=600) for worker in workers]
        elapsed = time.monotonic() - started

    assert [w.returncode for w in workers] == [0, 0], [err[-3000:] for _, err in outputs]
    loaded = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sum(loaded) == FILES and min(loaded) > 0, f"both workers took files: {loaded}"
    assert_every_file_once(settings, FILES, rows)
    # the reader was never held until the writers finished: it read the lake between their commits (its
    # query times are a benchmark's business: `make bench`, target 6, analyst's worst query)
    seen = [count for _, count in waits]
    assert any(0 < count < rows for count in seen), f"the reader saw only {sorted(set(seen))}"
    worst = max(wait for wait, _ in waits)
    print(f"\n2 workers: {FILES} files in {elapsed:.1f} s; reader's worst query {worst * 1000:.0f} ms")


def test_a_worker_killed_mid_run_leaves_nothing_the_next_run_does_not_load(
    tmp_path: Path, lake_catalog: str
) -> None:
    settings = prepare_lake(tmp_path / "var", lake_catalog)
    rows = drop_files(settings.inbox_dir, 120)

    killed, survivor = start_worker(settings, KILL_IN_TRANSACTION), start_worker(settings)
    killed.communicate(timeout=600)
    _, survivor_err = survivor.communicate(timeout=600)
    assert killed.returncode == -9
    assert survivor.returncode == 0, survivor_err[-3000:]

    # at once, the claim timeout (1 h) far off: the survivor's next batch or this run takes the dead
    # worker's claims back
    rerun = start_worker(settings)
    _, rerun_err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, rerun_err[-3000:]
    assert_every_file_once(settings, 120, rows)
