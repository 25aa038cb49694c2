"""A real Prefect server for a test (started and awaited as `tlkpi serve` does), its CLI and its runs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from flows.serve import wait_until_healthy
from tests.support.ports import free_port
from tests.support.prefect_home import PREFECT, PROJECT, migrated_home

TLKPI = str(PROJECT / ".venv" / "bin" / "tlkpi")
FINAL_STATES = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


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


@contextmanager
def prefect_server(work: Path, **extra_env: str) -> Iterator[tuple[str, dict[str, str]]]:
    """`prefect server start` on a free loopback port, its home and log under `work`; yields its API URL
    and the environment that points the project's commands (CLI, workers) at it."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect"),
        "PREFECT_API_URL": api,
        "TLKPI_PROJECT_DIR": str(PROJECT),
        "TLKPI_DATA_ROOT": str(work / "var"),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        **extra_env,
    }
    if "PREFECT_API_DATABASE_CONNECTION_URL" not in extra_env:  # SQLite in the home: migrated already
        migrated_home(work / "prefect")
    log_path = work / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        wait_until_healthy(process, api, log_path)
        yield api, env
    finally:
        stop(process)


@contextmanager
def pool_worker(env: dict[str, str], log_path: Path, *options: str) -> Iterator[subprocess.Popen[bytes]]:
    """A process worker of the project's `tlkpi` work pool (`options`: --name, --limit…), its output in
    `log_path`, stopped when the block ends."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", "tlkpi", *options],
            env=env,
            cwd=PROJECT,
            stdout=log,
            stderr=log,
        )
    try:
        yield process
    finally:
        stop(process)


def start_serve(
    env: dict[str, str], data_root: Path, log_path: Path, *options: str
) -> subprocess.Popen[bytes]:
    """`tlkpi serve` on `data_root` as an analyst starts it, in its own process group (stop it with
    os.killpg or SIGTERM), its output in `log_path`."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [TLKPI, "serve", "--data-root", str(data_root), *options],
            env=env,
            cwd=PROJECT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )


def tlkpi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """A `tlkpi` command run to its end, its output captured."""
    return subprocess.run(
        [TLKPI, *args], env=env, cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False
    )


def prefect(env: dict[str, str], *args: str) -> str:
    """The `prefect` command against the test's server; its output (the test fails on an error)."""
    done = subprocess.run(
        [PREFECT, "--no-prompt", *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def run_deployment(api: str, name: str, parameters: dict[str, str]) -> str:
    """Start a run of a deployment through the API (as the UI's "Run" button does); its id."""
    with httpx.Client(timeout=30) as client:
        deployments = client.post(f"{api}/deployments/filter", json={}).json()
        [deployment] = [d for d in deployments if d["name"] == name]
        for attempt in range(5):  # under load the server's SQLite may be busy: it answers 503, try again
            created = client.post(
                f"{api}/deployments/{deployment['id']}/create_flow_run", json={"parameters": parameters}
            )
            if created.status_code != 503:
                break
            time.sleep(2 * (attempt + 1))
    created.raise_for_status()
    return str(created.json()["id"])


def wait_final_state(api: str, run_id: str, seconds: float = 300) -> str:
    """The run's final state type ("COMPLETED", "FAILED", ...), or "TIMEOUT". A slow answer is asked again:
    on a loaded machine the server's SQLite can stall one request past its timeout (seen once, 30 s)."""
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=30) as client:  # one client: each new one loads the CA bundle (~30 ms CPU)
        while time.monotonic() < deadline:
            try:
                state = client.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"]
            except httpx.TimeoutException:
                continue
            if state in FINAL_STATES:
                return str(state)
            time.sleep(0.25)
    return "TIMEOUT"
