"""The process environment Prefect and Great Expectations read: local, quiet, inside the project."""

from __future__ import annotations

import os
from pathlib import Path

from tlkpi.settings import Settings


def configure_runtime_env(settings: Settings) -> None:
    """Keep Prefect and GE local, quiet and inside the project before they are imported."""
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # INFO: the steps of every run reach its log in the Prefect UI (and the console, as progress)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    # the temporary local API migrates its SQLite database on first start: slower than the default 20 s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
