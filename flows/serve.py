"""Serve every deployment of prefect.yaml from one process (`tlkpi serve`): a single-machine install.

Schedules need Prefect's scheduler service, which the temporary API of a bare `serve` does not run
("Cannot schedule flows on an ephemeral server"): without PREFECT_API_URL, `tlkpi serve` starts a
Prefect server with its UI on loopback, on the port of the settings (4200), for as long as it serves;
its database is under PREFECT_HOME (var/prefect). While it runs, the other `tlkpi` commands use it
(`server.json` in PREFECT_HOME says where it is) instead of starting a temporary API each.
"""

from __future__ import annotations

import _thread
import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml
from prefect.flows import load_flow_from_entrypoint
from prefect.runner import Runner
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from flows.local_api import SERVER_FILE, record_server
from flows.warm_runs import runs_forked
from tlkpi.errors import OperatorError
from tlkpi.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)
SERVER_START_SECONDS = 180  # the first start migrates the server's SQLite database
SERVER_STOP_SECONDS = 20
PR_SET_PDEATHSIG = 1  # linux/prctl.h
RUNNER_STOP_SECONDS = 15  # after SIGINT/SIGTERM, the runner's own stop gets this long
RUNNER_POLL_SECONDS = 1.0  # a run handed over by `tlkpi ingest`/`quarter` starts within about this long


def read_deployments(project: Path = PROJECT_ROOT) -> list[dict[str, Any]]:
    """The deployments of prefect.yaml: the one place where names, parameters and schedules live."""
    return yaml.safe_load((project / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def _schedule(entry: dict[str, Any], interval: float | None = None) -> dict[str, Any]:
    schedule = (entry.get("schedules") or [{}])[0]
    if "interval" in schedule:
        return {"interval": interval or schedule["interval"]}
    if "cron" in schedule:  # with its time zone: the quarter's 06:00 is Paris time, not UTC
        return {"schedule": Cron(schedule["cron"], timezone=schedule.get("timezone"))}
    return {}


def served_flows(
    project: Path = PROJECT_ROOT, interval: float | None = None
) -> list[tuple[Any, dict[str, Any]]]:
    """(flow, deployment options) per prefect.yaml entry: same name, parameters and schedule.

    `interval` (seconds) replaces the interval of the interval-scheduled deployments (the inbox poll).
    """
    return [
        (
            load_flow_from_entrypoint(str(project / entry["entrypoint"])),
            {
                "name": entry["name"],
                "parameters": entry.get("parameters") or {},
                "description": entry.get("description"),
                **_schedule(entry, interval),
            },
        )
        for entry in read_deployments(project)
    ]


def runner_deployments(project: Path = PROJECT_ROOT, interval: float | None = None) -> list[Any]:
    """The deployments `tlkpi serve` registers, as Prefect builds them from `served_flows`."""
    return [flow.to_deployment(**options) for flow, options in served_flows(project, interval)]


class ProjectRunner(Runner):
    """Prefect's runner, stopped by SIGINT or SIGTERM through its own `astop` on its own loop.

    Prefect's SIGTERM handler calls the synchronous `stop` from inside the loop, which only creates a
    coroutine and never awaits it ("coroutine 'Runner.astop' was never awaited"), and a SIGINT lands
    as a cancellation that leaves in-flight runs to finish on their own.
    """

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        self.stop_soon()

    def stop_soon(self) -> None:
        if not self.started:
            raise KeyboardInterrupt  # not serving yet: unwind at once
        loop = asyncio.get_running_loop()
        loop.call_soon_threadsafe(lambda: loop.create_task(self.astop()))
        # a runner still busy after that (a run that does not answer its cancellation) is unwound anyway
        watchdog = threading.Timer(RUNNER_STOP_SECONDS, _thread.interrupt_main)
        watchdog.daemon = True
        watchdog.start()

    async def serve_until_stopped(self, ready: str = "") -> None:
        """Serve; print `ready` once the runner has asked for work: its deployments are then READY, so
        a `tlkpi ingest` started on seeing it is handed over, never run on its own."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, self.stop_soon)
        if ready:
            self._announce = loop.create_task(self._print_once_polled(ready))
        await self.start()

    async def _print_once_polled(self, ready: str) -> None:
        while self.last_polled is None:
            await asyncio.sleep(0.1)
        print(ready, flush=True)


def run_deployments(project: Path, interval: float | None, pause_on_shutdown: bool, ready: str = "") -> None:
    """Serve the deployments until interrupted; print `ready` once they are served.

    Schedules are paused on the way out only on a server that outlives this process.
    """
    runner = ProjectRunner(
        name="tlkpi", pause_on_shutdown=pause_on_shutdown, query_seconds=RUNNER_POLL_SECONDS
    )
    # added as flows, not deployments: the runner then starts a run from the flow it holds
    # (`run_flow_in_subprocess`, forked warm here) rather than `python -m prefect.engine` importing it all
    for flow, options in served_flows(project, interval):
        runner.add_flow(flow, **options)
    asyncio.run(runner.serve_until_stopped(ready))


def serve_all(settings: Settings, project: Path = PROJECT_ROOT, interval: float | None = None) -> None:
    """Block and run the deployments on their schedules (and on demand) until SIGINT or SIGTERM."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it like Ctrl-C
    try:
        with runs_forked():  # the fork server loads the flows while the Prefect server starts
            _serve(settings, project, interval)
    except KeyboardInterrupt:  # at any moment, even before the runner started: stop, server included
        pass
    print("tlkpi serve: stopped", flush=True)


def _serve(settings: Settings, project: Path, interval: float | None) -> None:
    if PREFECT_API_URL.value():
        run_deployments(project, interval, pause_on_shutdown=True)
        return
    with local_server(settings) as url, temporary_settings(updates={PREFECT_API_URL: f"{url}/api"}):
        ready = (
            f"Prefect UI: {url}/  (deployments, runs, logs and artifacts; Ctrl-C stops serving)\n"
            f"`prefect` commands in another shell: export PREFECT_API_URL={url}/api"
        )
        run_deployments(project, interval, pause_on_shutdown=False, ready=ready)


def server_url(settings: Settings) -> str:
    return f"http://{settings.server_host}:{settings.server_port}"


def ensure_port_free(settings: Settings) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((settings.server_host, settings.server_port))
        except OSError as exc:
            raise OperatorError(
                f"port {settings.server_port} on {settings.server_host} is in use ({exc.strerror}): stop "
                "what listens there, or set TLKPI_SERVER_PORT to a free port"
            ) from exc


@contextlib.contextmanager
def local_server(settings: Settings) -> Iterator[str]:
    """A Prefect server (API, UI and scheduler) on the settings' loopback port; its URL while the block runs."""
    ensure_port_free(settings)
    url = server_url(settings)
    host, port = settings.server_host, str(settings.server_port)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", port]
    home = Path(PREFECT_HOME.value())  # passed on: a `temporary_settings` home is honoured too
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_UI_ENABLED": "true",
        "PREFECT_UI_API_URL": f"{url}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    log_path = home / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        # its own session: a Ctrl-C in the terminal reaches only `tlkpi serve`, which stops the runner
        # first and then the server (the other way round the runner waits on a server that is gone)
        server = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
    marker = home / SERVER_FILE
    try:
        wait_until_healthy(server, f"{url}/api", log_path)
        record_server(home, url)
        yield url
    finally:
        marker.unlink(missing_ok=True)
        stop_server(server)


def die_with_parent() -> None:
    """In the server's process: be stopped if `tlkpi serve` dies, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=SERVER_STOP_SECONDS)


def wait_until_healthy(server: subprocess.Popen[bytes], api_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    with httpx.Client(timeout=2) as client:  # one client: each new one loads the CA bundle (~30 ms CPU)
        while time.monotonic() < deadline:
            if server.poll() is not None:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise RuntimeError(f"the local Prefect server stopped at start-up (see {log_path}): {tail}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{api_url}/health").status_code == 200:
                    return
            time.sleep(0.5)
    raise RuntimeError(f"the local Prefect server did not answer on {api_url} in {SERVER_START_SECONDS} s")
