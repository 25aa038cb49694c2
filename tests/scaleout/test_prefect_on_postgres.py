"""README's scale-out shape for real: a Prefect server on PostgreSQL, the project's deployments, two
process workers, the warehouse a DuckLake; two inbox runs at once on the two workers, then the quarter."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from pg_cluster import PostgresServer
from pipeline import drop_files
from prefect.settings import PREFECT_API_URL, temporary_settings

from intake import claim_owner
from intake.claim_owner import Owner
from tasks.discover import read_flow_run_state
from tests.support.prefect_server import (
    pool_worker,
    prefect,
    prefect_server,
    run_deployment,
    wait_final_state,
)
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

pytestmark = pytest.mark.slow  # real servers: PostgreSQL, a lake, worker processes

FILES = 60


@pytest.fixture
def server_on_postgres(
    postgres_server: PostgresServer, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    prefect_database = postgres_server.sqlalchemy_url(postgres_server.create_database("prefect"))
    lake = postgres_server.conninfo(postgres_server.create_database("lake"))
    with prefect_server(
        tmp_path,
        PREFECT_API_DATABASE_CONNECTION_URL=prefect_database,
        TLKPI_WAREHOUSE_BACKEND="ducklake",
        TLKPI_LAKE_CATALOG=lake,
        TLKPI_LAKE_DATA_PATH=f"{tmp_path / 'lake-files'}/",
        TLKPI_INGEST_BATCH_FILES="10",
    ) as (api, env):
        yield api, env


def wait_workers_online(api: str, count: int, seconds: float = 120) -> set[str]:
    """The names of the pool's workers once `count` of them have sent a heartbeat."""
    deadline = time.monotonic() + seconds
    names: set[str] = set()
    with httpx.Client() as client:
        while time.monotonic() < deadline and len(names) < count:
            workers = client.post(f"{api}/work_pools/tlkpi/workers/filter", json={}).json()
            names = {worker["name"] for worker in workers if worker.get("status") == "ONLINE"}
            time.sleep(1)
    return names


def test_two_process_workers_of_a_server_on_postgresql_ingest_at_once_into_the_lake(
    server_on_postgres: tuple[str, dict[str, str]], postgres_server: PostgresServer, tmp_path: Path
) -> None:
    api, env = server_on_postgres
    prefect(env, "work-pool", "create", "tlkpi", "--type", "process")
    prefect(env, "deploy", "--all")
    prefect(env, "deploy", "--name", "inbox", "--concurrency-limit", "2")  # README: one run per worker
    settings = Settings(data_root=tmp_path / "var")
    rows = drop_files(settings.inbox_dir, FILES)

    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    with ExitStack() as workers:
        for n, log in enumerate(logs, start=1):
            workers.enter_context(pool_worker(env, log, "--name", f"worker-{n}", "--limit", "1"))
        online = wait_workers_online(api, 2)
        assert online == {"worker-1", "worker-2"}, [log.read_text()[-3000:] for log in logs]
        runs = [run_deployment(api, "inbox", {}) for _ in range(2)]
        states = [wait_final_state(api, run, seconds=400) for run in runs]
        assert states == ["COMPLETED", "COMPLETED"], [log.read_text()[-3000:] for log in logs]
        quarter_run = run_deployment(api, "quarter", {"quarter": "2025-T1"})
        assert wait_final_state(api, quarter_run, seconds=400) == "COMPLETED", [
            log.read_text()[-3000:] for log in logs
        ]

    # the workers' console wraps long lines: a run id may be cut across two lines of the log
    ran = "".join("".join(log.read_text().split()) for log in logs)
    assert all(run in ran for run in runs), "the inbox runs ran on the pool's workers"
    lake = Settings(
        data_root=settings.root,
        warehouse_backend="ducklake",
        lake_catalog=env["TLKPI_LAKE_CATALOG"],
        lake_data_path=env["TLKPI_LAKE_DATA_PATH"],
    )
    with open_warehouse(lake.warehouse, read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM submission").fetchone() == (
            FILES,
            FILES,
        )
        assert con.execute("SELECT count(*) FROM measurement").fetchone() == (rows,)
    assert list(settings.inbox_dir.rglob("*.csv")) == []
    assert (settings.site_dir / "2025-T1" / "index.html").exists()
    database = env["PREFECT_API_DATABASE_CONNECTION_URL"].rsplit("/", 1)[1]
    ours = ", ".join(f"'{run}'" for run in [*runs, quarter_run])
    kept = postgres_server.psql(
        database, f"SELECT count(*) FROM flow_run WHERE id IN ({ours}) AND state_type = 'COMPLETED'"
    )
    assert int(kept) == 3, "the runs are kept in PostgreSQL"

    # A claim of a worker on another host: released once its flow run is dead in Prefect, not before.
    with temporary_settings(updates={PREFECT_API_URL: api}):
        alive = Owner("another-host", "its-boot", 4242, 1, runs[0])
        assert read_flow_run_state(runs[0]) == "COMPLETED" and not claim_owner.is_gone(
            alive, read_flow_run_state
        )
        dead_run = run_deployment(api, "quarter", {"quarter": "2025-T1"})
        forced = {"state": {"type": "CRASHED", "name": "Crashed"}, "force": True}
        httpx.post(f"{api}/flow_runs/{dead_run}/set_state", json=forced).raise_for_status()
        dead = Owner("another-host", "its-boot", 4242, 1, dead_run)
        assert claim_owner.is_gone(dead, read_flow_run_state)
