"""Flows run by tests/flows/test_warm_runs.py in processes forked from `tlkpi serve`'s fork server."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from prefect import flow

PRELOADED = ("flows.ingest", "flows.quarter", "great_expectations")


@flow(name="warm-probe")
def warm_probe(out: str) -> None:
    """Write what this run's process held before the run began, and who started that process."""
    loaded = [name for name in PRELOADED if name in sys.modules]
    Path(out).write_text(json.dumps({"loaded": loaded, "parent": os.getppid()}), encoding="utf-8")


@flow(name="crashing-probe")
def crashing_probe() -> None:
    """A run whose process dies at once, as a segfault in a native library would end it."""
    os.kill(os.getpid(), signal.SIGKILL)
