"""Target 6 of `make bench` (issue 17): many small files ingested by 1 and 2 workers, on the DuckDB
file and on a DuckLake (catalogue in a throwaway PostgreSQL cluster, data files on a local path), while
an analyst queries the warehouse every second. Reports files/s and the analyst's query latency.

The analyst of the file backend opens the file read-only for each query (holding it open would stop
the writers); the lake's analyst keeps one session and reads the latest snapshot each time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.data import PROJECT
from bench.harness import PYTHON, RUN_DIR, bench_env
from bench.trash import set_aside

sys.path.insert(0, str(PROJECT / "tests" / "scaleout"))
from pg_cluster import PostgresServer, find_bin_dir, running_postgres

SITES = 40  # establishment folders
BATCH_FILES = 50  # TLKPI_INGEST_BATCH_FILES of the workers
QUERY = "SELECT count(*), sum(value) FROM measurement_latest"
# the bench writes its files whole before the workers start: no settle delay (the pipeline's own clock
# would otherwise leave every file, first seen by a worker, for a later run)
WRITTEN_WHOLE = {"TLKPI_SETTLE_SECONDS": "0"}
WORKER = """
import sys
from datetime import date
sys.path.insert(0, {project!r})
from intake.run import ingest_inbox
from tlkpi.settings import Settings
ingest_inbox(Settings(), date(2026, 11, 22))
"""


@dataclass
class IngestRun:
    backend: str
    workers: int
    files: int
    seconds: float
    waits: list[float]
    loaded: int
    loading_seconds: float  # from the first batch's load to the last one's (`submission.processed_at`)

    @property
    def rate(self) -> float:
        return self.files / self.seconds

    @property
    def loading_rate(self) -> float:
        """Files/s once the workers run: the batches after the first one, over the time between the first
        and last loads (process start, imports and the first look at the inbox left out)."""
        return (
            (self.loaded - BATCH_FILES) / self.loading_seconds if self.loading_seconds > 0 else float("nan")
        )

    @property
    def worst_wait(self) -> float:
        return max(self.waits) if self.waits else float("nan")


def write_small_files(inbox: Path, count: int) -> None:
    """`count` accepted files of 4 rows, spread over SITES establishments."""
    from schemas.finess import with_check_key

    header = "finess,cas_usage,indicateur,periode,phase,valeur,effectif\n"
    for number in range(count):
        finess = with_check_key(f"{1 + number % SITES:02d}{number % SITES:06d}")
        folder = inbox / finess
        folder.mkdir(parents=True, exist_ok=True)
        rows = [
            f"{finess},UC{1 + number % 17:02d},EFF_DELAI_PEC,2025-{month:02d},pilote,{40 + number % 50},30"
            for month in (1, 2, 3, 4)
        ]
        (folder / f"kpi_{number:05d}.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")


@contextmanager
def analyst(env: dict[str, str]) -> Iterator[list[float]]:
    """Query the warehouse every second in a thread; yields the latencies (wait + query)."""
    from tlkpi.settings import Settings
    from warehouse.db import open_warehouse

    settings = Settings(**_settings_fields(env))
    waits: list[float] = []
    stop = threading.Event()

    def file_queries() -> None:
        while not stop.is_set():
            started = time.monotonic()
            with open_warehouse(settings.warehouse, read_only=True) as con:
                con.execute(QUERY).fetchall()
            waits.append(time.monotonic() - started)
            stop.wait(1.0)

    def lake_queries() -> None:
        with open_warehouse(settings.warehouse, read_only=True) as con:
            while not stop.is_set():
                started = time.monotonic()
                con.execute(QUERY).fetchall()
                waits.append(time.monotonic() - started)
                stop.wait(1.0)

    thread = threading.Thread(
        target=lake_queries if settings.warehouse_backend == "ducklake" else file_queries
    )
    thread.start()
    try:
        yield waits
    finally:
        stop.set()
        thread.join(timeout=120)


def _settings_fields(env: dict[str, str]) -> dict[str, Any]:
    names = {"TLKPI_DATA_ROOT": "data_root", "TLKPI_WAREHOUSE_BACKEND": "warehouse_backend",
             "TLKPI_LAKE_CATALOG": "lake_catalog", "TLKPI_LAKE_DATA_PATH": "lake_data_path"}  # fmt: skip
    return {field: env[name] for name, field in names.items() if name in env}


def prepare(env: dict[str, str], root: Path, files: int) -> None:
    """A fresh data root with its warehouse migrated and the catalogue loaded, and the files waiting."""
    from schemas.catalogue import default_catalogue
    from tlkpi.settings import Settings
    from warehouse.db import open_warehouse
    from warehouse.reference import sync_catalogue

    set_aside(root)
    with open_warehouse(Settings(**_settings_fields(env)).warehouse) as con:
        sync_catalogue(con, default_catalogue())
    write_small_files(root / "inbox", files)


def ingest_with(env: dict[str, str], workers: int, files: int) -> IngestRun:
    from tlkpi.settings import Settings
    from warehouse.db import open_warehouse

    root = Path(env["TLKPI_DATA_ROOT"])
    prepare(env, root, files)
    code = WORKER.format(project=str(PROJECT))
    with analyst(env) as waits:
        started = time.monotonic()
        processes = [
            subprocess.Popen([PYTHON, "-c", code], env=bench_env() | env, stderr=subprocess.PIPE, text=True)
            for _ in range(workers)
        ]
        errors = [process.communicate(timeout=3600)[1] for process in processes]
        seconds = time.monotonic() - started
    if any(process.returncode for process in processes):
        raise RuntimeError(f"a worker failed:\n{errors[0][-3000:]}{errors[-1][-3000:]}")
    with open_warehouse(Settings(**_settings_fields(env)).warehouse, read_only=True) as con:
        row = con.execute(
            "SELECT count(DISTINCT sha256), epoch(max(processed_at)) - epoch(min(processed_at)) FROM submission"
        ).fetchone()
    env_label = env.get("TLKPI_WAREHOUSE_BACKEND", "file")
    loaded, loading = (int(row[0]), float(row[1] or 0)) if row else (0, 0.0)
    return IngestRun(env_label, workers, files, seconds, waits, loaded, loading)


def backend_envs(server: PostgresServer, name: str) -> dict[str, str]:
    root = RUN_DIR / f"lake-{name}"
    set_aside(root.with_name(f"{root.name}-files"))
    if name.startswith("file"):
        return {"TLKPI_DATA_ROOT": str(root), "TLKPI_INGEST_BATCH_FILES": str(BATCH_FILES), **WRITTEN_WHOLE}
    return {
        "TLKPI_DATA_ROOT": str(root),
        "TLKPI_WAREHOUSE_BACKEND": "ducklake",
        "TLKPI_LAKE_CATALOG": server.conninfo(server.create_database("bench_lake")),
        "TLKPI_LAKE_DATA_PATH": f"{root.with_name(root.name + '-files')}/",
        "TLKPI_INGEST_BATCH_FILES": str(BATCH_FILES),
        **WRITTEN_WHOLE,
    }


def postgres_missing() -> str:
    """Why target 6 cannot run here ("" when it can): it needs Debian's PostgreSQL server."""
    if find_bin_dir() is None:
        return "not measured: PostgreSQL server not installed (`make postgres` installs it as root)"
    return ""


def bench_lake_runs(files: int, rounds: int = 1) -> list[IngestRun]:
    """The file backend with 1 and 2 workers, then the lake with 1 and 2 workers, on the same files;
    `rounds` times, interleaved (a slow moment of the machine then falls on every case, not on one)."""
    os.environ.setdefault("TLKPI_REQUIRE_POSTGRES", "1")
    runs = []
    with running_postgres() as server:
        for round_number in range(1, rounds + 1):
            for name, workers in (("file-1", 1), ("file-2", 2), ("lake-1", 1), ("lake-2", 2)):
                runs.append(ingest_with(backend_envs(server, name), workers, files))
                print(f"target 6: {name} done (round {round_number}/{rounds})", file=sys.stderr, flush=True)
    return runs
