"""README's scale-out shape for real: a Prefect server on PostgreSQL, the project's deployments, two
process workers, the warehouse a DuckLake; two inbox runs at once on the two workers, then the quarter."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pg_cluster import PostgresServer
from pipeline import drop_files
from prefect.settings import PREFECT_API_URL, temporary_settings

from intake import claim_owner
from intake.claim_owner import Owner
from tasks.discover import read_flow_run_state
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

pytestmark = pytest.mark.slow  # real servers: PostgreSQL, a lake, worker processes

PROJECT = Path(__file__).resolve().parents[2]
PREFECT = str(PROJECT / ".venv" / "bin" / "prefect")
FILES = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Workers stop on a second SIGINT; the server on the first. Then make sure."""
    for _ in range(2):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                continue
    if process.poll() is None:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture
def server_on_postgres(
    postgres_server: PostgresServer, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_API_DATABASE_CONNECTION_URL": postgres_server.sqlalchemy_url(
            postgres_server.create_database("prefect")
        ),
        "TLKPI_PROJECT_DIR": str(PROJECT),
        "TLKPI_DATA_ROOT": str(tmp_path / "var"),
        "TLKPI_WAREHOUSE_BACKEND": "ducklake",
        "TLKPI_LAKE_CATALOG": postgres_server.conninfo(postgres_server.create_database("lake")),
        "TLKPI_LAKE_DATA_PATH": f"{tmp_path / 'lake-files'}/",
        "TLKPI_INGEST_BATCH_FILES": "10",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        else:
            pytest.fail(f"the Prefect server did not answer: {(tmp_path / 'server.log').read_text()[-2000:]}")
        yield api, env
    finally:
        stop(process)
        log.close()


def prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PREFECT, "--no-prompt", *args], env=env, cwd=PROJECT, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def run_deployment(api: str, name: str, parameters: dict[str, str]) -> str:
    [deployment] = [d for d in httpx.post(f"{api}/deployments/filter", json={}).json() if d["name"] == name]
    created = httpx.post(
        f"{api}/deployments/{deployment['id']}/create_flow_run", json={"parameters": parameters}
    )
    created.raise_for_status()
    return str(created.json()["id"])


def wait_final_state(api: str, run_id: str, seconds: float = 400) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"]
        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return str(state)
        time.sleep(1)
    return "TIMEOUT"


def wait_workers_online(api: str, count: int, seconds: float = 120) -> set[str]:
    """The names of the pool's workers once `count` of them have sent a heartbeat."""
    deadline = time.monotonic() + seconds
    names: set[str] = set()
    while time.monotonic() < deadline and len(names) < count:
        workers = httpx.post(f"{api}/work_pools/tlkpi/workers/filter", json={}).json()
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
    handles = [log.open("wb") for log in logs]
    workers = [
        subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "tlkpi", "--name", f"worker-{n}", "--limit", "1"],
            env=env,
            cwd=PROJECT,
            stdout=handle,
            stderr=handle,
        )
        for n, handle in zip((1, 2), handles, strict=True)
    ]
    try:
        online = wait_workers_online(api, 2)
        assert online == {"worker-1", "worker-2"}, [log.read_text()[-3000:] for log in logs]
        runs = [run_deployment(api, "inbox", {}) for _ in range(2)]
        states = [wait_final_state(api, run) for run in runs]
        assert states == ["COMPLETED", "COMPLETED"], [log.read_text()[-3000:] for log in logs]
        quarter_run = run_deployment(api, "quarter", {"quarter": "2025-T1"})
        assert wait_final_state(api, quarter_run) == "COMPLETED", [log.read_text()[-3000:] for log in logs]
    finally:
        for worker in workers:
            stop(worker)
        for handle in handles:
            handle.close()

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
