"""No withheld value can be recomputed from the published tables.

The attacker of these tests reads only the published CSV files; the checks use the private data to
tell whether what the attacker can derive rests on too few establishments or patients.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from golden_data import QUARTER, Row, build_golden_warehouse, submit

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from reports.site.writer import render_quarter_site
from schemas.catalogue import default_catalogue
from tlkpi.settings import Settings
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

RULES = Rules(min_establishments=3, min_patients=11)
STATISTICS = ("baseline_median", "pilot_median", "pilot_p10", "pilot_p25", "pilot_p75", "pilot_p90",
              "pooled_rate", "pooled_rate_low", "pooled_rate_high", "share_improved",
              "median_relative_change", "median_relative_change_low", "median_relative_change_high",
              "threshold_met", "share_threshold_met")  # fmt: skip
KPIS = ("EFF_DELAI_PEC", "QUA_READMISSION_30J", "QUA_DMS")


def random_rows(seed: int) -> list[Row]:
    """Many small experimentations over 5 use cases: lots of cells near the thresholds."""
    rng = random.Random(seed)
    rows: list[Row] = []
    establishments = [f"1300000{i:02d}" for i in range(12)]
    for use_case in ("UC01", "UC02", "UC03", "UC04", "UC05"):
        for finess in rng.sample(establishments, rng.randint(1, 6)):
            for kpi in rng.sample(KPIS, rng.randint(1, 3)):
                for phase, period in (("reference", "2024-T4"), ("pilote", QUARTER)):
                    if kpi == "QUA_READMISSION_30J":
                        den = rng.randint(2, 40)
                        num = rng.randint(0, den)
                        rows.append((finess, use_case, kpi, period, phase, None, num, den, None))
                    else:
                        n = rng.choice([None, rng.randint(1, 15)])
                        rows.append((finess, use_case, kpi, period, phase, rng.uniform(5, 90), None, None, n))
    return rows


def build_random_warehouse(path: Path, seed: int) -> tuple[Path, list[Row]]:
    rows = random_rows(seed)
    with open_warehouse(path) as con:
        sync_catalogue(con, default_catalogue())
        for number, finess in enumerate(sorted({row[0] for row in rows})):
            submit(
                con, f"{finess}.csv", datetime(2025, 10, 1 + number, 9), [r for r in rows if r[0] == finess]
            )
    return path, rows


def publish(path: Path, site: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with open_warehouse(path) as con:
        freeze_edition(con, QUARTER, RULES)
    render_quarter_site(path, QUARTER, site, Settings(data_root=site.parent))
    return [
        list(
            csv.DictReader(
                io.StringIO((site / QUARTER / "data" / name).read_bytes().decode("utf-8-sig")), delimiter=";"
            )
        )
        for name in ("benchmark.csv", "roi.csv")
    ]  # type: ignore[return-value]


def private_support(rows: list[Row]) -> dict[tuple[str, str], tuple[set[str], float | None]]:
    """(use case, kpi) -> (establishments, pilot patients known) from the raw rows."""
    support: dict[tuple[str, str], tuple[set[str], float | None]] = {}
    for finess, use_case, kpi, _period, phase, _v, _num, den, n in rows:
        if phase != "pilote":
            continue
        who, patients = support.get((use_case, kpi), (set(), None))
        count = n if n is not None else den
        support[(use_case, kpi)] = (who | {finess}, patients if count is None else (patients or 0) + count)
    return support


def recoverable_groups(benchmark: list[dict[str, str]]) -> list[tuple[str, list[str]]]:
    """What the attacker can isolate: per KPI with a published ENSEMBLE row, the withheld use cases
    (ENSEMBLE minus the published use-case cells is their aggregate)."""
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in benchmark:
        groups[row["kpi"]].append(row)
    found = []
    for kpi, members in groups.items():
        total = [r for r in members if r["use_case"] == "ENSEMBLE"]
        if total and total[0]["withheld"] == "false":
            hidden = [
                r["use_case"] for r in members if r["use_case"] != "ENSEMBLE" and r["withheld"] == "true"
            ]
            if hidden:
                found.append((kpi, hidden))
    return found


def check_nothing_recoverable(benchmark: list[dict[str, str]], rows: list[Row]) -> int:
    support = private_support(rows)
    checked = 0
    for row in benchmark:
        if row["withheld"] == "true":
            assert row["withheld_reason"], row
            assert all(row[name] == "" for name in STATISTICS), f"withheld row shows a value: {row}"
    for kpi, hidden in recoverable_groups(benchmark):
        # the only exact recomputation: Σ over the withheld cells (e.g. share_improved × n)
        assert len(hidden) >= 2, f"{kpi}: ENSEMBLE minus the published cells gives {hidden[0]} back"
        who = set().union(*(support[(uc, kpi)][0] for uc in hidden))
        counts = [support[(uc, kpi)][1] for uc in hidden]
        known = [count for count in counts if count is not None]
        assert len(who) >= RULES.min_establishments, (kpi, hidden, who)
        assert not known or sum(known) >= RULES.min_patients, (kpi, hidden, known)
        checked += 1
    return checked


def test_golden_secondary_suppression_blocks_the_subtraction(tmp_path: Path) -> None:
    path = build_golden_warehouse(tmp_path / "w.duckdb")
    benchmark, _ = publish(path, tmp_path / "site")
    from golden_data import ROWS

    assert recoverable_groups(benchmark) == [("EFF_DELAI_PEC", ["UC02", "UC03"])]
    assert check_nothing_recoverable(benchmark, ROWS) == 1


@pytest.mark.parametrize("seed", range(8))
def test_random_warehouses_leak_nothing(tmp_path: Path, seed: int) -> None:
    path, rows = build_random_warehouse(tmp_path / "w.duckdb", seed)
    benchmark, roi = publish(path, tmp_path / "site")
    check_nothing_recoverable(benchmark, rows)
    assert any(r["withheld"] == "true" for r in benchmark) and any(
        r["withheld"] == "false" for r in benchmark
    )
    published_roi = [r for r in roi if r["use_case"] != "ENSEMBLE"]
    hidden_roi = [r for r in published_roi if r["withheld"] == "true"]
    total_roi = [r for r in roi if r["use_case"] == "ENSEMBLE" and r["withheld"] == "false"]
    assert not (total_roi and len(hidden_roi) == 1)


def test_a_lone_use_case_cell_and_its_total_share_their_fate(tmp_path: Path) -> None:
    """With one use case only, ENSEMBLE is that cell: both are withheld or both published."""
    path, _rows = build_random_warehouse(tmp_path / "w.duckdb", 3)
    benchmark, _ = publish(path, tmp_path / "site")
    by_kpi: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in benchmark:
        by_kpi[row["kpi"]].append(row)
    for members in by_kpi.values():
        if len(members) == 2:
            assert members[0]["withheld"] == members[1]["withheld"]
