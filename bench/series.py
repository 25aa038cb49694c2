"""Rules v3 across quarters, measured: the audit's time on a national quarter once the other quarters
are published, and how many figures the series rules withhold on a multi-quarter data set.

    .venv/bin/python -m bench.series national [establishments]   # 2025-T1..T4 of the national warehouse
    .venv/bin/python -m bench.series demo <folder>               # every quarter of the demo, in order

Both print one JSON line. `count_published` reads only the public API of editions (freeze_edition,
read_benchmark), so the same script counts what rules v2 published when run on the v2 code.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

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

FIGURES = ("baseline_mean", "pilot_mean", "mean_change", "pooled_rate", "share_improved",
           "share_threshold_met", "pilot_median", "baseline_median")  # fmt: skip


def count_published(cells: list[Any]) -> dict[str, int]:
    """Published (non-empty) figures per column over the rows of an edition."""
    return {name: sum(getattr(cell, name, None) is not None for cell in cells) for name in FIGURES}


def publish_in_order(warehouse: Path, quarters: list[str], rules: Rules) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for quarter in quarters:
        started = time.perf_counter()
        with open_warehouse(warehouse) as con:
            edition = freeze_edition(con, quarter, rules).edition
            seconds = time.perf_counter() - started
            out[quarter] = {
                "freeze_seconds": round(seconds, 2),
                **count_published(read_benchmark(con, edition)),
            }
        print(quarter, out[quarter], file=sys.stderr, flush=True)
    return out


def national(establishments: int) -> dict[str, Any]:
    from bench.warehouse_data import national_warehouse

    path, rows, built = national_warehouse(establishments)
    quarters = ["2025-T1", "2025-T2", "2025-T3", "2025-T4"]
    result: dict[str, Any] = {"measurements": rows, "generated_seconds": round(built, 1)}
    result["quarters"] = publish_in_order(path, quarters, Rules())
    started = time.perf_counter()  # 4 quarters published: the next edition of T4, computed and audited
    with open_warehouse(path, read_only=True) as con:
        rules = Rules()
        previous = latest_edition(con, "2025-T4")
        number = previous.number + 1 if previous else 1
        release = compute_release(con, "2025-T4", rules, number)
        computed = time.perf_counter()
        settled, _, _ = settle_release(con, release, previous, rules, number)
        tables = time.perf_counter()
        _, joint = protect_series(con, "2025-T4", number, settled, rules)
        done = time.perf_counter()
    result["release_with_4_published_seconds"] = round(done - started, 2)
    result["compute_release_seconds"] = round(computed - started, 2)
    result["table_audit_seconds"] = round(tables - computed, 2)
    result["joint_audit_seconds"] = round(done - tables, 2)
    result["joint_audit"] = joint.as_dict()
    result["linked_tables"] = len(release.tables)
    result["load"] = os.getloadavg()
    return result


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
    kind = sys.argv[1]
    result = (
        national(int(sys.argv[2]) if len(sys.argv) > 2 else 1_500)
        if kind == "national"
        else demo(Path(sys.argv[2]))
    )
    print(json.dumps(result))
