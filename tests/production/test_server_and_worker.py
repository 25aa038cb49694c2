"""The production shape for real: a Prefect server on loopback, the project's deployments, a process
worker from the project's work pool, and one run of each deployment driven through the API."""

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

PROJECT = Path(__file__).resolve().parents[2]
PREFECT = str(PROJECT / ".venv" / "bin" / "prefect")
CSV = (
    "finess,cas_usage,indicateur,periode,phase,valeur,effectif\n"
    "010780195,UC05,EFF_DELAI_PEC,2024-T4,reference,55,40\n"
    "010780195,UC05,EFF_DELAI_PEC,2025-T3,pilote,42,40\n"
)


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
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": api,
        "TLKPI_PROJECT_DIR": str(PROJECT),
        "TLKPI_DATA_ROOT": str(tmp_path / "var"),
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
        deadline = time.monotonic() + 120
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
    [deployment] = [
        d for d in httpx.post(f"{api}/deployments/filter", json={}).json() if f"{d['name']}" == name
    ]
    for attempt in range(5):  # under load the server's SQLite may be busy: it answers 503, try again
        created = httpx.post(
            f"{api}/deployments/{deployment['id']}/create_flow_run",
            json={"parameters": parameters},
            timeout=30,
        )
        if created.status_code != 503:
            break
        time.sleep(2 * (attempt + 1))
    created.raise_for_status()
    return str(created.json()["id"])


def wait_final_state(api: str, run_id: str, seconds: float = 240) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"]
        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return str(state)
        time.sleep(1)
    return "TIMEOUT"


def test_deployments_run_on_a_worker_of_the_project_pool(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, env = server
    prefect(env, "work-pool", "create", "tlkpi", "--type", "process")
    prefect(env, "deploy", "--all")
    inbox = tmp_path / "var" / "inbox" / "010780195"
    inbox.mkdir(parents=True)
    (inbox / "kpi.csv").write_text(CSV, encoding="utf-8")

    worker_log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [PREFECT, "worker", "start", "--pool", "tlkpi"],
        env=env,
        cwd=PROJECT,
        stdout=worker_log,
        stderr=worker_log,
    )
    try:
        ingest_run = run_deployment(api, "inbox", {})
        assert wait_final_state(api, ingest_run) == "COMPLETED", (tmp_path / "worker.log").read_text()[-3000:]
        quarter_run = run_deployment(api, "quarter", {"quarter": "2025-T3"})
        assert wait_final_state(api, quarter_run) == "COMPLETED", (tmp_path / "worker.log").read_text()[
            -3000:
        ]
    finally:
        stop(worker)
        worker_log.close()
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
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "DO_NOT_TRACK": "1",
        "TLKPI_SERVER_PORT": str(free_port()),
    }
    log = (tmp_path / "serve.log").open("wb")
    served = subprocess.Popen(
        [str(PROJECT / ".venv" / "bin" / "tlkpi"), "serve", "--data-root", str(root), "--interval", "10"],
        env=env,
        cwd=PROJECT,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
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
        log.close()
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
