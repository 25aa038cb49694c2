"""Target 2' of `make bench` (issue 23): a 400-file inbox through the ingest flow, beyond what the same
flow costs on an empty inbox, against DuckDB reading the same files, all in the same run."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from bench.data import fresh_copy, national_inbox
from bench.harness import RUN_DIR, Figure
from bench.trash import set_aside

FILES = 400
GOAL = 2.0  # (flow on the inbox − flow on an empty inbox) ≤ 2× DuckDB's read of the files


def bench_inbox(
    runs: int,
    report: list[Any],
    notes: list[str],
    measure: Callable[..., Figure],
    prefect_server: Callable[[], contextlib.AbstractContextManager[str]],
    row: Any,
    verdict: Callable[[bool | None], str],
) -> None:
    """The flow against one running local Prefect server (as served), on FILES files and on none."""
    template = national_inbox(FILES)
    root, empty = RUN_DIR / "inbox-400", RUN_DIR / "inbox-empty"
    floor = measure("national_floor", str(template), str(RUN_DIR / "inbox-400-floor"), runs=runs)

    def empty_root() -> None:
        set_aside(empty)
        (empty / "inbox").mkdir(parents=True)

    with prefect_server() as api:
        env = {"PREFECT_API_URL": api}
        full = measure("national_flow", str(root), runs=runs, env=env, slow_after=120,
                       prepare=lambda: fresh_copy(template, root))  # fmt: skip
        none = measure("national_flow", str(empty), runs=runs, env=env, prepare=empty_root)
    entries_root = RUN_DIR / "inbox-400-entries"
    entries = measure("national_entries", str(entries_root), runs=runs,
                      prepare=lambda: fresh_copy(template, entries_root))  # fmt: skip
    beyond = full.median - none.median
    value = beyond / floor.median if full.values and none.values and floor.values else float("nan")
    report.append(row(f"2'. {FILES}-file inbox, ingest flow (Prefect server running), beyond an empty inbox",
                      f"{full.span()} − {none.median:.2f} s = {beyond:.2f} s", floor.span(), f"{value:.1f}×",
                      f"≤ {GOAL:g}× floor", verdict(value <= GOAL),
                      f"{FILES} files × 195 rows, one per establishment folder"))  # fmt: skip
    cpu = full.detail.get("cpu", {})
    context = (
        f"The median {FILES}-file run's process used {cpu.get('user', float('nan')):.2f} s of user CPU and "
        f"{cpu.get('system', float('nan')):.2f} s of system CPU (on this machine's disk much of the system "
        f"time is ext4 looking for a free inode: bench/notes.md, 2'). Context: the file-system entries an "
        f"ingest makes and removes for these files, alone "
        f"(`bench/cases.py:national_entries`: per file a sighting, the claim's two folders, record and "
        f"hashed copy, a link into archive/, two receipts), {entries.span()} = "
        f"{entries.median / floor.median:.1f}× the floor."
    )
    notes.append(
        " ".join(
            part
            for part in (
                f"- 2': the flow case of target 2 on {FILES} files and on an empty inbox, against the same "
                f"running server; floor: DuckDB reading the {FILES} files with one `read_csv` glob. Accepted: "
                f"{full.detail.get('accepted')}/{full.detail.get('files')}.",
                full.note,
                none.note,
                context,
            )
            if part
        )
    )
