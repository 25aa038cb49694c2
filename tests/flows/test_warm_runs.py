"""`tlkpi serve` starts each served run warm: forked from a fork server that already holds Prefect, the
flows and Great Expectations (flows/warm_runs.py), through Prefect's own `run_flow_in_subprocess`, the
call its runner makes. A run that crashes takes down its own process only: the next run still starts.
Checked on the installed Prefect: an upgrade that stops calling `multiprocessing.get_context` there
fails here, not silently in production."""

from __future__ import annotations

import json
import os
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.flow_engine import run_flow_in_subprocess

from flows.warm_runs import runs_forked
from tests.support.warm_probe import PRELOADED, crashing_probe, warm_probe

RUN_SECONDS = 300  # generous: the fork server imports GE first, on a loaded machine


def test_served_runs_are_forked_warm_and_a_crash_stays_in_its_run(tmp_path: Path) -> None:
    with runs_forked() as context:
        assert context is not None, "a POSIX machine has a fork server"
        crashed = run_flow_in_subprocess(crashing_probe)
        crashed.join(RUN_SECONDS)
        out = tmp_path / "probe.json"
        process = run_flow_in_subprocess(warm_probe, parameters={"out": str(out)})
        process.join(RUN_SECONDS)
    assert crashed.exitcode == -9
    assert process.exitcode == 0
    probe = json.loads(out.read_text(encoding="utf-8"))
    assert probe["loaded"] == list(PRELOADED), "the run's process held them before it began"
    assert probe["parent"] != os.getpid(), "forked by the fork server, not spawned by the runner's process"

    with get_client(sync_client=True) as client:
        runs = {run.flow_id: run for run in client.read_flow_runs()}
        probe_flow = client.read_flow_by_name("warm-probe")
    assert runs[probe_flow.id].state is not None and runs[probe_flow.id].state.is_completed()


def test_outside_tlkpi_serve_prefect_spawns_as_before() -> None:
    import prefect.flow_engine

    with runs_forked():
        pass
    assert prefect.flow_engine.multiprocessing.get_context("spawn").get_start_method() == "spawn"


def test_a_fork_server_the_chart_workers_started_first_is_started_again_warm(tmp_path: Path) -> None:
    """In one process the reports' chart workers may have started the fork server with their own
    preload (a running fork server ignores a new one): served runs must still start warm."""
    from multiprocessing import forkserver

    from reports.workers import worker_context

    worker_context()
    forkserver.ensure_running()
    with runs_forked():
        out = tmp_path / "probe.json"
        process = run_flow_in_subprocess(warm_probe, parameters={"out": str(out)})
        process.join(RUN_SECONDS)
    assert process.exitcode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["loaded"] == list(PRELOADED)
