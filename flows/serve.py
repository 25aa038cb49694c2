"""Serve every deployment of prefect.yaml from one process (`tlkpi serve`): a single-machine install.

Schedules need Prefect's scheduler service, which the temporary API of a bare `serve` does not run
("Cannot schedule flows on an ephemeral server"): without PREFECT_API_URL, `tlkpi serve` starts a
Prefect server on loopback for as long as it serves, its database under PREFECT_HOME (var/prefect).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from prefect import serve
from prefect.flows import load_flow_from_entrypoint
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from tlkpi.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)
SERVER_START_SECONDS = 180  # the first start migrates the server's SQLite database


def read_deployments(project: Path = PROJECT_ROOT) -> list[dict[str, Any]]:
    """The deployments of prefect.yaml: the one place where names, parameters and schedules live."""
    return yaml.safe_load((project / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def _schedule(entry: dict[str, Any], interval: float | None = None) -> dict[str, Any]:
    schedule = (entry.get("schedules") or [{}])[0]
    if "interval" in schedule:
        return {"interval": interval or schedule["interval"]}
    if "cron" in schedule:
        return {"cron": schedule["cron"]}
    return {}


def runner_deployments(project: Path = PROJECT_ROOT, interval: float | None = None) -> list[Any]:
    """One runner deployment per prefect.yaml entry, same name, parameters and schedule.

    `interval` (seconds) replaces the interval of the interval-scheduled deployments (the inbox poll).
    """
    deployments = []
    for entry in read_deployments(project):
        flow: Any = load_flow_from_entrypoint(str(project / entry["entrypoint"]))
        deployments.append(
            flow.to_deployment(
                name=entry["name"],
                parameters=entry.get("parameters") or {},
                description=entry.get("description"),
                **_schedule(entry, interval),
            )
        )
    return deployments


def serve_all(project: Path = PROJECT_ROOT, interval: float | None = None) -> None:
    """Block and run the deployments on their schedules (and on demand) until interrupted."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the local server on `kill` too
    if PREFECT_API_URL.value():
        serve(*runner_deployments(project, interval))
        return
    with local_server() as api_url, temporary_settings(updates={PREFECT_API_URL: api_url}):
        serve(*runner_deployments(project, interval))


@contextlib.contextmanager
def local_server() -> Iterator[str]:
    """A Prefect server (API + scheduler) on a free loopback port; its API URL while the block runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    api_url = f"http://127.0.0.1:{port}/api"
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    home = Path(PREFECT_HOME.value())  # passed on: a `temporary_settings` home is honoured too
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    log_path = home / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(server, api_url, log_path)
        logger.info("Prefect server (scheduler included) on %s", api_url)
        yield api_url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


def _wait_until_healthy(server: subprocess.Popen[bytes], api_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"the local Prefect server stopped at start-up (see {log_path}): {tail}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the local Prefect server did not answer on {api_url} in {SERVER_START_SECONDS} s")
