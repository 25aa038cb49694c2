"""Target 7 of `make bench` (issue 23): what one command costs a user, each against the import floor it
cannot go under, both measured cold in the same run: a "nothing new" `tlkpi quarter` against
`import polars, duckdb`; `tlkpi check`, an empty-inbox `tlkpi ingest` and a one-file `tlkpi ingest`
handed to `tlkpi serve` against `import great_expectations, polars`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from bench.data import BENCH_QUARTER, PROJECT, fresh_copy, national_inbox, small_file
from bench.harness import PYTHON, RUN_DIR, TLKPI, Figure, bench_env, measure_command
from bench.served import ingest_with_served_server
from bench.trash import set_aside

PUBLISHED_FILES = 40  # establishments of the data root whose quarter is published once, untimed
COMMAND_ENV = {"TLKPI_SETTLE_SECONDS": "0"}  # files written by the bench are complete at once


def published_root() -> tuple[Path | None, str]:
    """A data root whose BENCH_QUARTER is published and whose inbox is empty (set up, not timed);
    None and the reason when the set-up failed."""
    root = fresh_copy(national_inbox(PUBLISHED_FILES), RUN_DIR / "published")
    env = bench_env() | COMMAND_ENV | {"PREFECT_HOME": str(root / "prefect")}
    for command in (["ingest"], ["quarter", BENCH_QUARTER]):
        done = subprocess.run(
            [TLKPI, *command, "--data-root", str(root)],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            return None, f"`tlkpi {' '.join(command)}` failed in the set-up: {done.stderr[-300:]!r}"
    return root, ""


def exit_note(name: str, figure: Figure, expected: int = 0) -> str:
    code = figure.detail.get("exit")
    return "" if code == expected else f" **{name} exited with {code}, expected {expected}.**"


def bench_commands(runs: int, report: list[Any], notes: list[str], row: Any, verdict: Any) -> None:
    """Rows of target 7 (`row` builds a report row, `verdict` says met or not)."""
    light = measure_command([PYTHON, "-c", "import polars, duckdb"], runs)
    heavy = measure_command([PYTHON, "-c", "import great_expectations, polars"], runs)
    root, failure = published_root()
    cases: list[tuple[str, Figure | None, Figure, float, str]] = []
    if root is None:
        notes.append(f'- 7: no published data root, so no "nothing new" quarter nor empty ingest: {failure}')
    else:
        env = COMMAND_ENV | {"PREFECT_HOME": str(root / "prefect")}
        quarter = measure_command([TLKPI, "quarter", BENCH_QUARTER, "--data-root", str(root)], runs, env)
        empty = measure_command([TLKPI, "ingest", "--data-root", str(root)], runs, env)
        cases += [
            ('"nothing new" `tlkpi quarter`', quarter, light, 3.0, exit_note("quarter", quarter)),
            ("`tlkpi ingest`, empty inbox", empty, heavy, 1.5, exit_note("ingest", empty)),
        ]
    check = measure_command([TLKPI, "check", str(small_file())], runs, COMMAND_ENV)
    cases.append(("`tlkpi check` of a 200-row file", check, heavy, 1.2, exit_note("check", check)))
    served = ingest_with_served_server(small_file(), runs=max(runs, 2))
    cases.append(
        ("one-file `tlkpi ingest` while `tlkpi serve` runs", served, heavy, 1.0, exit_note("ingest", served))
    )
    for label, figure, floor, goal, note in cases:
        assert figure is not None
        value = figure.median / floor.median if figure.values and floor.values else float("nan")
        floor_name = "`import polars, duckdb`" if floor is light else "`import great_expectations, polars`"
        report.append(row(f"7. {label}", figure.span(), f"{floor.span()} {floor_name}", f"{value:.2f}×",
                          f"≤ {goal:g}× floor", verdict(value <= goal and not note), "cold process each run"))  # fmt: skip
        if note:
            notes.append(f"- 7 ({label}):{note}")
    notes.append(
        f"- 7: every figure is a whole command in a new process (`python -c` for the floors), as a user "
        f"starts it. The quarter and the empty ingest run on a data root of {PUBLISHED_FILES} establishments "
        f"whose {BENCH_QUARTER} was ingested and published once before (not timed). The served ingest "
        f"hands its run to `tlkpi serve` (started and warmed up in "
        f"{served.detail.get('startup', float('nan')):.0f} s, not counted), which forks the run from a process "
        "that has already loaded Prefect, the flows and Great Expectations (`flows/warm_runs.py`)."
    )
    set_aside(RUN_DIR / "published")
