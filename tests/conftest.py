"""Test-wide set-up: everything Prefect or GE writes stays in the project, telemetry is off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.prefect_home import migrated_home
from tlkpi.runtime_env import configure_runtime_env
from tlkpi.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent

# Set before any test module imports Prefect or Great Expectations.
# One Prefect home per pytest-xdist worker (`make test` runs three): their SQLite databases never meet, and
# the demo's home (var/prefect, which the Makefile exports) never holds a test's runs. Its database is
# migrated already (tests/support/prefect_home.py): the first server of each home needs no migration.
os.environ["PREFECT_HOME"] = str(
    migrated_home(PROJECT / ".cache" / "prefect-tests" / os.environ.get("PYTEST_XDIST_WORKER", "main"))
)
# The tests' Prefect servers skip registering Prefect's block catalogue: 1-2 s of CPU at each start (about
# twenty starts in a suite), and the project stores no block. A server started as an operator starts it
# still registers it: `tlkpi demo` in tests/e2e/test_docs_run.py runs without the tests' PREFECT_ settings.
os.environ.setdefault("PREFECT_API_BLOCKS_REGISTER_ON_START", "false")
# Tests write a file then ingest it at once; the settle delay is tested on its own (tests/hostile).
os.environ.setdefault("TLKPI_SETTLE_SECONDS", "0")
configure_runtime_env(Settings())  # creates that home; telemetry off, local and quiet as for any run


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Stop Prefect's temporary API server before pytest closes its streams (see tests/support/quiet_exit.py)."""
    from tests.support.quiet_exit import stop_temporary_prefect_servers

    stop_temporary_prefect_servers()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slowest files first (tests/support/schedule.py)."""
    from tests.support.schedule import arrange

    arrange(items)


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before pytest-xdist's own choice
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """`--dist loadgroup`: one file per worker unless its tests are spread (tests/support/schedule.py)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.support.schedule import FilesSlowestFirst

    return FilesSlowestFirst(config, log)  # type: ignore[arg-type]
