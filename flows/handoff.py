"""Hand a `tlkpi ingest` or `tlkpi quarter` to the deployments `tlkpi serve` runs, through Prefect's REST
API with httpx: the command's own process imports neither Prefect nor Great Expectations.

The run is created on the served deployment (as the UI's "Run" button does), the command waits for its
final state, then reads the run's summary back from its table artifact (`tasks/artifacts.py`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
POLL_SECONDS = 0.2
REQUEST_SECONDS = 30.0


def summary_key(quarter: str) -> str:
    """The key of the one-row table a quarter run leaves for the command that handed it over."""
    return f"quarter-summary-{quarter.lower()}"


@dataclass(frozen=True)
class ServedRun:
    """The end of a flow run handed to the server: its state, where to see it, its table artifacts."""

    id: str
    name: str
    state: str  # COMPLETED, FAILED, CRASHED or CANCELLED
    message: str
    url: str  # the run's page in the Prefect UI
    tables: dict[str, list[dict[str, Any]]]  # artifact key -> rows

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED"


def served_deployment(api_url: str, deployment: str) -> str | None:
    """The id of `flow/name` when a runner serves it now (status READY); None otherwise."""
    try:
        response = httpx.get(f"{api_url}/deployments/name/{deployment}", timeout=REQUEST_SECONDS)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    found = response.json()
    return str(found["id"]) if found.get("status") == "READY" else None


def start_run(api_url: str, deployment_id: str, parameters: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{api_url}/deployments/{deployment_id}/create_flow_run",
        json={"parameters": parameters},
        timeout=REQUEST_SECONDS,
    )
    response.raise_for_status()
    return dict(response.json())


def wait_for_run(api_url: str, run: dict[str, Any]) -> ServedRun:
    """Poll the run until it reaches a final state; Ctrl-C asks the server to cancel it."""
    ui = api_url.removesuffix("/api")
    with httpx.Client(base_url=api_url, timeout=REQUEST_SECONDS) as client:
        try:
            while True:
                state = client.get(f"/flow_runs/{run['id']}").json()["state"] or {}
                if state.get("type") in FINAL_STATES:
                    break
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            client.post(
                f"/flow_runs/{run['id']}/set_state",
                json={"state": {"type": "CANCELLING", "message": "Ctrl-C in the tlkpi command"}},
            )
            raise
        tables = run_tables(client, run["id"])
    return ServedRun(
        id=run["id"],
        name=run["name"],
        state=state["type"],
        message=state.get("message") or "",
        url=f"{ui}/runs/flow-run/{run['id']}",
        tables=tables,
    )


def run_tables(client: httpx.Client, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """The table artifacts of a run, by key."""
    response = client.post(
        "/artifacts/filter",
        json={"artifacts": {"flow_run_id": {"any_": [run_id]}, "type": {"any_": ["table"]}}},
    )
    response.raise_for_status()
    tables = {}
    for artifact in response.json():
        data = artifact.get("data")
        rows = json.loads(data) if isinstance(data, str) else data
        if artifact.get("key") and isinstance(rows, list):
            tables[artifact["key"]] = rows
    return tables


def run_served(api_url: str, deployment: str, parameters: dict[str, Any]) -> ServedRun | None:
    """Run `deployment` on the server and wait for it; None when no runner serves it (run it here)."""
    deployment_id = served_deployment(api_url, deployment)
    if deployment_id is None:
        return None
    return wait_for_run(api_url, start_run(api_url, deployment_id, parameters))
