"""Rules v3 across quarters, measured: the audit's time on a national quarter once the other quarters
are published, and how many figures the series rules withhold on a multi-quarter data set.

    .venv/bin/python -m bench.series national <work folder> [establishments] [warehouse]
    .venv/bin/python -m bench.series next <work folder>          # only the timed next edition, again
    .venv/bin/python -m bench.series demo <folder>               # every quarter of the demo, in order

`national` publishes 2025-T1..T4 of the national warehouse in order, then times the next edition of
2025-T4. It works on a copy in `<work folder>` (editions removed first): the cached warehouse is never
written. `warehouse` names the file to copy (e.g. another checkout's cache); by default the generated
warehouse of `establishments` (1,500) in this checkout's cache.

Both print one JSON line. `count_published` reads only the public API of editions (freeze_edition,
read_benchmark), so the same script counts what rules v2 published when run on the v2 code.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from disclosure.cell_inputs import read_quarter_inputs
from disclosure.editions import (
    compute_release,
    freeze_edition,
    latest_edition,
    read_benchmark,
    settle_release,
)
from disclosure.joint_release import protect_series
from disclosure.rules import Rules
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

QUARTERS = ["2025-T1", "2025-T2", "2025-T3", "2025-T4"]
FIGURES = ("baseline_mean", "pilot_mean", "mean_change", "pooled_rate", "share_improved",
           "share_threshold_met", "pilot_median", "baseline_median")  # fmt: skip


def count_published(cells: list[Any]) -> dict[str, int]:
    """Published (non-empty) figures per column over the rows of an edition."""
    return {name: sum(getattr(cell, name, None) is not None for cell in cells) for name in FIGURES}


def publish_in_order(warehouse: Path, quarters: list[str], rules: Rules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for quarter in quarters:
        started, cpu = time.perf_counter(), time.process_time()
        with open_warehouse(warehouse) as con:
            edition = freeze_edition(con, quarter, rules).edition
            seconds = time.perf_counter() - started
            out[quarter] = {
                "freeze_seconds": round(seconds, 2),
                "freeze_cpu_seconds": round(time.process_time() - cpu, 2),  # every thread of the process
                "load": [round(x, 1) for x in os.getloadavg()],
                **count_published(read_benchmark(con, edition)),
            }
        print(quarter, out[quarter], file=sys.stderr, flush=True)
    return out


def working_copy(work: Path, establishments: int, source: Path | None) -> tuple[Path, int, float]:
    """A copy of the national warehouse in `work` with no edition: (path, measurements, generation s)."""
    from bench.cases import forget_editions
    from bench.warehouse_data import national_warehouse

    built = 0.0
    if source is None:
        source, _, built = national_warehouse(establishments)
    path = work / "warehouse" / "tlkpi.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "audit", ignore_errors=True)
    shutil.copyfile(source, path)
    for quarter in QUARTERS:
        forget_editions(str(path), quarter)
    with open_warehouse(path, read_only=True) as con:
        row = con.execute("SELECT count(*) FROM measurement").fetchone()
    return path, int(row[0]) if row else 0, built


def national(work: Path, establishments: int, source: Path | None) -> dict[str, Any]:
    path, rows, built = working_copy(work, establishments, source)
    quarters = QUARTERS
    result: dict[str, Any] = {
        "warehouse": str(path),
        "measurements": rows,
        "generated_seconds": round(built, 1),
    }
    result["quarters"] = publish_in_order(path, quarters, Rules())
    return {**result, **next_edition(path, "2025-T4")}


def next_edition(path: Path, quarter: str) -> dict[str, Any]:
    """The next edition of `quarter` computed and audited (not frozen), timed by stage (wall and CPU
    seconds: the machine may be shared)."""
    clock: list[tuple[float, float]] = [(time.perf_counter(), time.process_time())]
    with open_warehouse(path, read_only=True) as con:
        rules = Rules()
        previous = latest_edition(con, quarter)
        number = previous.number + 1 if previous else 1
        inputs = read_quarter_inputs(con, quarter)
        release = compute_release(con, quarter, rules, number, inputs)
        clock.append((time.perf_counter(), time.process_time()))
        settled, _, _ = settle_release(con, release, previous, rules, number)
        clock.append((time.perf_counter(), time.process_time()))
        _, joint = protect_series(con, quarter, number, settled, rules, inputs)
        clock.append((time.perf_counter(), time.process_time()))
    stages = ("release_with_4_published", "compute_release", "table_audit", "joint_audit")
    spans = [(0, 3), (0, 1), (1, 2), (2, 3)]
    return {
        **{
            f"{name}_seconds": round(clock[b][0] - clock[a][0], 2)
            for name, (a, b) in zip(stages, spans, strict=True)
        },
        **{
            f"{name}_cpu_seconds": round(clock[b][1] - clock[a][1], 2)
            for name, (a, b) in zip(stages, spans, strict=True)
        },
        "joint_audit": joint.as_dict(),
        "linked_tables": len(release.tables),
        "load": os.getloadavg(),
    }


def demo(folder: Path) -> dict[str, Any]:
    """Every quarter of the demo published in order (the demo must already be ingested in `folder`)."""
    settings = Settings(data_root=folder)
    with open_warehouse(settings.warehouse_path, read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT quarter FROM measurement WHERE phase = 'pilote' ORDER BY 1"
        ).fetchall()
    quarters = [row[0] for row in rows]
    return {"quarters": publish_in_order(settings.warehouse_path, quarters, Rules()), "load": os.getloadavg()}


if __name__ == "__main__":
    kind, folder, *rest = sys.argv[1:]
    result = (
        national(Path(folder), int(rest[0]) if rest else 1_500, Path(rest[1]) if len(rest) > 1 else None)
        if kind == "national"
        else next_edition(Path(folder) / "warehouse" / "tlkpi.duckdb", "2025-T4")
        if kind == "next"
        else demo(Path(folder))
    )
    result["cpu_seconds"] = round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))
