"""What the bench's modules share: where runs go, the environment of a measured process, a figure."""

from __future__ import annotations

import os
import statistics
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
