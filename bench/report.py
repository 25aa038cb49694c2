"""BENCHMARKS.md: the table of the figures, the details of the run, the machine, and bench/notes.md."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass

from bench.data import PROJECT


@dataclass
class Row:
    target: str
    figure: str
    floor: str
    ratio: str
    goal: str
    met: str
    data: str


def machine() -> list[str]:
    import duckdb
    import polars

    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip()
    return [
        f"- `nproc`: {os.cpu_count()}; {platform.processor() or platform.machine()}; {platform.platform()}",
        f"- python {platform.python_version()}, duckdb {duckdb.__version__}, polars {polars.__version__}",
        "- load average (1, 5, 15 min) at the end of the run: {:.2f}, {:.2f}, {:.2f} (other work on the "
        "machine inflates every figure; the ratios to floors of the same run less so)".format(*os.getloadavg()),
        "- `free -h`:", "", "```", free, "```",
    ]  # fmt: skip


def write_report(
    report: list[Row], notes: list[str], quick: bool, seconds: float, sections: dict[str, float]
) -> str:
    spent = ", ".join(f"{name}: {value / 60:.1f} min" for name, value in sections.items())
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python -m bench.run`); do not edit by hand: the notes come from "
        "`bench/notes.md`. Every figure is the median of the runs (min–max, n), each run in a fresh process, "
        "and its ratio to a floor measured in the same run on the same data.",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {'QUICK (smaller data, 1 run)' if quick else 'full'}, "
        f"{seconds / 60:.1f} min (per target, data generation included; 3 includes its warehouse: {spent}).",
        "",
        "| target | figure | floor | ratio | goal | met? | data |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r.target} | {r.figure} | {r.floor} | {r.ratio} | {r.goal} | {r.met} | {r.data} |"
            for r in report
        ),
        "",
        "## Details of this run",
        "",
        *notes,
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    static = PROJECT / "bench" / "notes.md"
    if static.exists():
        lines += [static.read_text(encoding="utf-8")]
    return "\n".join(lines)
