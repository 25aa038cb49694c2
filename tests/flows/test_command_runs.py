"""A command's own flow run (`tlkpi ingest` without `tlkpi serve`) ends with its work: it sends no
heartbeat, so the command does not wait up to a second for Prefect's heartbeat thread after the run is
complete (flows/in_process.py). A run with Prefect's defaults, as a served run has, still sends them."""

from __future__ import annotations

import os
import time
from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.events.filters import EventFilter, EventResourceFilter
from prefect.settings import PREFECT_API_URL

from flows.ingest import ingest
from tests.support.inbox import delay_file, drop_file
from tests.support.prefect_server import tlkpi

FINESS = "010780195"


def run_events(flow_run_id: UUID, *awaited: str) -> list[str]:
    """The events of a flow run once the server has stored its end and the `awaited` ones (events are
    stored asynchronously, and a heartbeat may be sent about when the run completes)."""
    resource = EventResourceFilter(id=[f"prefect.flow-run.{flow_run_id}"])
    deadline = time.monotonic() + 60
    while True:
        with get_client(sync_client=True) as client:
            names = [
                event.event for event in client.read_events(EventFilter(resource=resource), limit=50).events
            ]
        if {"prefect.flow-run.Completed", *awaited} <= set(names) or time.monotonic() > deadline:
            return names
        time.sleep(0.2)


def command_run_id(output: str) -> UUID:
    """The flow run the command logged ("Beginning flow run 'name' for flow 'ingest'")."""
    name = output.split("Beginning flow run '", 1)[1].split("'", 1)[0]
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
    return run.id


def test_a_command_s_own_run_sends_no_heartbeat_and_a_default_run_does(tmp_path: Path) -> None:
    root = tmp_path / "var"
    drop_file(root / "inbox", FINESS, "kpi.csv", delay_file(FINESS, 55, 40))
    env = {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    done = tlkpi(env, "ingest", "--data-root", str(root))
    assert done.returncode == 0, done.stderr
    assert "1 accepted" in done.stdout, done.stdout
    own = run_events(command_run_id(done.stdout + done.stderr))
    assert "prefect.flow-run.Completed" in own and "prefect.flow-run.heartbeat" not in own, own

    drop_file(root / "inbox", FINESS, "kpi-2.csv", delay_file(FINESS, 55, 41))
    state = ingest(str(root), return_state=True)
    assert state.state_details.flow_run_id is not None
    served_like = run_events(state.state_details.flow_run_id, "prefect.flow-run.heartbeat")
    assert "prefect.flow-run.Completed" in served_like and "prefect.flow-run.heartbeat" in served_like
