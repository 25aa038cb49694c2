"""What the bench's modules share: where runs go, the environment of a measured process, a figure."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from bench.data import CACHE, PROJECT

PYTHON = str(PROJECT / ".venv" / "bin" / "python")
TLKPI = str(PROJECT / ".venv" / "bin" / "tlkpi")
RUN_DIR = CACHE / "run"
PREFECT_HOME = CACHE / "prefect"


@dataclass
class Figure:
    """Seconds (or a rate) over runs; `detail` keeps the stages and counts of the median run."""

    values: list[float]
    rss_mb: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def span(self, unit: str = "s") -> str:
        if not self.values:
            return "not measured"
        runs = len(self.values)
        return f"{self.median:.2f} {unit} ({min(self.values):.2f}–{max(self.values):.2f}, n={runs})"


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(PREFECT_HOME),
        PREFECT_LOGGING_LEVEL="WARNING",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        GX_ANALYTICS_ENABLED="false",
        PYTHONPATH=str(PROJECT),
    )
    return env


def measure_command(command: list[str], runs: int, env: dict[str, str] | None = None) -> Figure:
    """Wall time and peak RSS of a whole command, cold (a new process each run); `env` is added to
    the bench's environment."""
    figure = Figure([])
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=bench_env() | (env or {}),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        figure.values.append(time.perf_counter() - started)
        figure.rss_mb = max(figure.rss_mb, usage.ru_maxrss / 1024)
        figure.detail = {"exit": os.waitstatus_to_exitcode(status)}
    return figure
