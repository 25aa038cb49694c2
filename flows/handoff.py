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
BUSY_STATUSES = frozenset({429, 502, 503})  # the server's SQLite database was busy: ask again
BUSY_RETRIES = 5


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


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One API request, made again after a short wait while the server answers that it is busy (as
    Prefect's own client does: under load its SQLite database is locked for a moment)."""
    for attempt in range(BUSY_RETRIES):
        response = client.request(method, url, **kwargs)
        if response.status_code not in BUSY_STATUSES:
            break
        time.sleep(min(0.25 * 2**attempt, 2.0))
    return response


def api_client(api_url: str) -> httpx.Client:
    """One client for a command's requests to the server (each new client loads the CA bundle, ~30 ms)."""
    return httpx.Client(base_url=api_url, timeout=REQUEST_SECONDS)


def served_deployment(client: httpx.Client, deployment: str) -> str | None:
    """The id of `flow/name` when a runner serves it now (status READY); None otherwise."""
    try:
        response = send(client, "GET", f"/deployments/name/{deployment}")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    found = response.json()
    return str(found["id"]) if found.get("status") == "READY" else None


def start_run(client: httpx.Client, deployment_id: str, parameters: dict[str, Any]) -> dict[str, Any]:
    response = send(
        client, "POST", f"/deployments/{deployment_id}/create_flow_run", json={"parameters": parameters}
    )
    response.raise_for_status()
    return dict(response.json())


def wait_for_run(client: httpx.Client, run: dict[str, Any]) -> ServedRun:
    """Poll the run until it reaches a final state; Ctrl-C asks the server to cancel it."""
    ui = str(client.base_url).rstrip("/").removesuffix("/api")
    try:
        while True:
            found = send(client, "GET", f"/flow_runs/{run['id']}")
            found.raise_for_status()
            state = found.json()["state"] or {}
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
    response = send(
        client,
        "POST",
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
