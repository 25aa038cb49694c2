"""A successful command ends without the traceback of Prefect's temporary server being stopped under it.

CI saw it once (4 December 2026): `tlkpi quarter 2025-T3` succeeded, then its terminal showed
"Exception during reset or similar … asyncio.exceptions.CancelledError" from the server process.
The server configures its logging the way any process importing Prefect does, from the settings it
inherits: this runs that configuration in a fresh process and logs what the server logged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.server_logging import quiet_server_shutdown

SERVER_LOGS = """
import asyncio, logging
from prefect.logging.configuration import ensure_logging_setup
ensure_logging_setup()
pool = logging.getLogger("sqlalchemy.pool.impl.AsyncAdaptedQueuePool")
for exc in (asyncio.CancelledError(), OSError("disque plein")):
    try:
        raise exc
    except BaseException:
        pool.error("Exception during reset or similar", exc_info=True)
"""


def _server_stderr(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SERVER_LOGS], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stderr


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_SETTINGS_PATH"}
    return {**env, "PREFECT_HOME": str(tmp_path)}


def test_the_temporary_server_stops_without_a_cancellation_traceback(
    tmp_path: Path, base_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_defaults = _server_stderr(base_env)  # Prefect's own settings: the user saw this
    assert "CancelledError" in with_defaults and "disque plein" in with_defaults

    monkeypatch.setenv("PREFECT_LOGGING_SETTINGS_PATH", "")  # unset for the function; restored after the test
    path = quiet_server_shutdown(tmp_path)
    assert path == tmp_path / "logging.yml"
    quiet = _server_stderr({**base_env, "PREFECT_LOGGING_SETTINGS_PATH": str(path)})

    assert "CancelledError" not in quiet
    assert quiet.count("Traceback") == 1 and "OSError: disque plein" in quiet  # a real fault still shows


def test_an_operators_own_logging_settings_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "mine.yml"
    monkeypatch.setenv("PREFECT_LOGGING_SETTINGS_PATH", str(own))
    assert quiet_server_shutdown(tmp_path) is None
    assert os.environ["PREFECT_LOGGING_SETTINGS_PATH"] == str(own)
    assert not (tmp_path / "logging.yml").exists()
