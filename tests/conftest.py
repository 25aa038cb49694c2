"""Test-wide set-up: everything Prefect or GE writes stays in the project, telemetry is off."""

from __future__ import annotations

import os
from pathlib import Path

from tlkpi.settings import Settings, configure_runtime_env

PROJECT = Path(__file__).resolve().parent.parent

# Set before any test module imports Prefect or Great Expectations.
# One Prefect home per pytest-xdist worker (`make test` runs two): their SQLite databases never meet.
os.environ.setdefault(
    "PREFECT_HOME", str(PROJECT / ".cache" / "prefect-tests" / os.environ.get("PYTEST_XDIST_WORKER", ""))
)
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# Tests write a file then ingest it at once; the settle delay is tested on its own (tests/hostile).
os.environ.setdefault("TLKPI_SETTLE_SECONDS", "0")
configure_runtime_env(Settings())


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Stop Prefect's temporary API server before pytest closes its streams (see tests/support/quiet_exit.py)."""
    from tests.support.quiet_exit import stop_temporary_prefect_servers

    stop_temporary_prefect_servers()
