"""The production shape for real: a Prefect server on loopback, the project's deployments, a process
worker from the project's work pool, and one run of each deployment driven through the API."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.prefect_home import migrated_home
from tests.support.prefect_server import (
    pool_worker,
    prefect,
    prefect_server,
    run_deployment,
    start_serve,
    wait_final_state,
)

CSV = (
    "finess,cas_usage,indicateur,periode,phase,valeur,effectif\n"
    "010780195,UC05,EFF_DELAI_PEC,2024-T4,reference,55,40\n"
    "010780195,UC05,EFF_DELAI_PEC,2025-T3,pilote,42,40\n"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with prefect_server(tmp_path) as (api, env):
        yield api, env


def test_deployments_run_on_a_worker_of_the_project_pool(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, env = server
    prefect(env, "work-pool", "create", "tlkpi", "--type", "process")
    prefect(env, "deploy", "--all")
    inbox = tmp_path / "var" / "inbox" / "010780195"
    inbox.mkdir(parents=True)
    (inbox / "kpi.csv").write_text(CSV, encoding="utf-8")

    with pool_worker(env, tmp_path / "worker.log"):
        ingest_run = run_deployment(api, "inbox", {})
        assert wait_final_state(api, ingest_run) == "COMPLETED", (tmp_path / "worker.log").read_text()[-3000:]
        quarter_run = run_deployment(api, "quarter", {"quarter": "2025-T3"})
        assert wait_final_state(api, quarter_run) == "COMPLETED", (tmp_path / "worker.log").read_text()[
            -3000:
        ]
    assert list((tmp_path / "var" / "archive").rglob("*.csv"))
    assert (tmp_path / "var" / "site" / "2025-T3" / "index.html").exists()


def test_tlkpi_serve_alone_runs_the_inbox_on_its_schedule(tmp_path: Path) -> None:
    """The single-machine install: no server configured, `tlkpi serve` must still run the schedules
    (a bare Prefect `serve` has no scheduler) and on the data root it was given."""
    root = tmp_path / "var"
    inbox = root / "inbox" / "010780195"
    inbox.mkdir(parents=True)
    (inbox / "kpi.csv").write_text(CSV, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "TLKPI_"))}
    env |= {
        "PREFECT_HOME": str(migrated_home(tmp_path / "prefect")),
        "DO_NOT_TRACK": "1",
        "TLKPI_SERVER_PORT": str(free_port()),
    }
    served = start_serve(env, root, tmp_path / "serve.log", "--interval", "10")
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not list((root / "archive").rglob("*.csv")):
            assert served.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            time.sleep(1)
        assert list((root / "archive").rglob("*.csv")), (tmp_path / "serve.log").read_text()[-3000:]
        assert not list(inbox.iterdir())
    finally:
        served.send_signal(signal.SIGTERM)
        assert served.wait(timeout=60) == 0
    assert "never awaited" not in (tmp_path / "serve.log").read_text()
    deadline = time.monotonic() + 40  # stopping `tlkpi serve` stops the server it started
    while time.monotonic() < deadline and _group_alive(served.pid):
        time.sleep(0.5)
    assert not _group_alive(served.pid)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
