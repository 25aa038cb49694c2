"""A command that ran a flow ends without a traceback from Prefect's API server stopping under it.

Without `tlkpi serve`, a flow runs on a temporary Prefect API server (a child process) that Prefect
stops with SIGTERM when the command ends. If one of the server's background services is inside a
database call at that moment, the call is cancelled and SQLAlchemy logs "Exception during reset or
similar" with an `asyncio.CancelledError` traceback on the user's terminal, after a run that succeeded.
The server process configures its logging from Prefect's settings, inherited from ours: we point them
at Prefect's own defaults with one filter that drops exactly those records. Any other error of the
server, and any cancellation outside SQLAlchemy's pool, is still shown.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
from pathlib import Path

import yaml

LOGGING_FILE = "logging.yml"
FILTER_NAME = "tlkpi_shutdown_cancellations"


class ShutdownCancellations(logging.Filter):
    """Drops SQLAlchemy pool records whose exception is a cancellation (the server's own shutdown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (record.name.startswith("sqlalchemy.pool") and isinstance(exc, asyncio.CancelledError))


def _prefect_default_settings() -> Path:
    spec = importlib.util.find_spec("prefect")  # its location, without importing Prefect (seconds)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Prefect is not installed in this environment: run `make install`")
    return Path(next(iter(spec.submodule_search_locations))) / "logging" / "logging.yml"


def quiet_server_shutdown(prefect_home: Path) -> Path | None:
    """Write Prefect's default logging settings plus the filter to PREFECT_HOME/logging.yml and point
    PREFECT_LOGGING_SETTINGS_PATH at it, before Prefect is imported. An operator's own logging settings
    (PREFECT_LOGGING_SETTINGS_PATH already set) are left as they are: None."""
    if os.environ.get("PREFECT_LOGGING_SETTINGS_PATH"):
        return None
    config = yaml.safe_load(_prefect_default_settings().read_text(encoding="utf-8"))
    config.setdefault("filters", {})[FILTER_NAME] = {"()": f"{__name__}.{ShutdownCancellations.__name__}"}
    for handler in config["handlers"].values():
        handler["filters"] = [*handler.get("filters", []), FILTER_NAME]
    # "${PREFECT_LOGGING_LEVEL}" and the like stay strings: Prefect substitutes them when it reads the file
    text = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    path = prefect_home / LOGGING_FILE
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        staged = path.with_name(f".{LOGGING_FILE}.{os.getpid()}")
        staged.write_text(text, encoding="utf-8")
        staged.replace(path)  # atomic: two commands starting at once never read half a file
    os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(path)
    return path
