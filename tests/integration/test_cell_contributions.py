"""cell_contributions.sql computes, for one quarter, what the views of migration 009 compute for every
quarter (experimentation_quarter -> experimentation_baseline -> experimentation_change): same rows,
same values (to the last bits a different summation order may change), same order.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from golden_data import E1, E2, E3, E4, build_golden_warehouse, submit

from disclosure.cells import build_inputs, fetch_inputs
from warehouse.db import open_warehouse
from warehouse.queries import fetch_dicts, load_query

# what cell_contributions.sql was before it read the quarter once: the views, filtered on the quarter
THROUGH_THE_VIEWS = """
SELECT
    c.use_case, coalesce(u.label, c.use_case) AS use_case_label,
    coalesce(u.illustrative, false) AS use_case_illustrative,
    c.domain, coalesce(d.label, c.domain) AS domain_label,
    c.kpi, k.label AS kpi_label, k.unit, k.kind, k.direction, k.threshold,
    k.min_value, k.max_value,
    c.finess, c.baseline, c.pilot, c.relative_change, c.improved, c.meets_threshold,
    c.numerator, c.denominator, c.baseline_numerator, c.baseline_denominator,
    c.pilot_weight, c.baseline_weight, c.patients, c.baseline_patients
FROM experimentation_change c
JOIN kpi k ON k.code = c.kpi
LEFT JOIN use_case u ON u.code = c.use_case
LEFT JOIN domain d ON d.code = c.domain
WHERE c.quarter = $quarter
ORDER BY c.domain, c.kpi, c.use_case, c.finess
"""

# beyond the golden rows: a quarterly reference row that wins over its months, a reference quarter
# after a pilot quarter (not in that quarter's baseline), a rate whose months lack counts, a later
# pilot quarter, and a correction that supersedes an earlier file
EXTRA = [
    (E1, "UC03", "EFF_DELAI_PEC", "2024-10", "reference", 70, None, None, 10),
    (E1, "UC03", "EFF_DELAI_PEC", "2024-11", "reference", 75, None, None, None),
    (E1, "UC03", "EFF_DELAI_PEC", "2024-T4", "reference", 64, None, None, 12),
    (E1, "UC03", "EFF_DELAI_PEC", "2025-T3", "pilote", 58, None, None, 14),
    (E1, "UC03", "EFF_DELAI_PEC", "2025-T4", "reference", 20, None, None, 14),
    (E1, "UC03", "EFF_DELAI_PEC", "2025-10", "pilote", 52, None, None, 14),
    (E2, "UC03", "QUA_READMISSION_30J", "2024-10", "reference", 12, 6, 50, None),
    (E2, "UC03", "QUA_READMISSION_30J", "2024-11", "reference", 14, None, None, None),
    (E2, "UC03", "QUA_READMISSION_30J", "2025-07", "pilote", 9, 9, 100, None),
    (E2, "UC03", "QUA_READMISSION_30J", "2025-T4", "pilote", 8, 4, 50, None),
    (E3, "UC03", "ECO_COUT_SOLUTION", "2025-T3", "pilote", 1200, None, None, None),
    (E3, "UC03", "ECO_COUT_SOLUTION", "2025-T4", "pilote", 900, None, None, None),
]
CORRECTION = [(E4, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 57, None, None, 22)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_golden_warehouse(tmp_path_factory.mktemp("contributions") / "w.duckdb")
    with open_warehouse(path) as con:
        submit(con, "extra.csv", datetime(2025, 11, 3, 9, 0), EXTRA)
        submit(con, "correction.csv", datetime(2026, 1, 5, 9, 0), CORRECTION)
        con.execute(
            "UPDATE measurement SET superseded = true WHERE finess = $finess AND use_case = 'UC01' "
            "AND kpi = 'EFF_DELAI_PEC' AND period = '2025-T3' AND value = 55",
            {"finess": E4},
        )
    return path


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


@pytest.mark.parametrize("quarter", ["2024-T4", "2025-T2", "2025-T3", "2025-T4"])
def test_the_quarter_read_once_gives_what_the_views_give(warehouse: Path, quarter: str) -> None:
    with open_warehouse(warehouse, read_only=True) as con:
        expected = con.execute(THROUGH_THE_VIEWS, {"quarter": quarter}).fetchall()
        got = con.execute(load_query("cell_contributions"), {"quarter": quarter}).fetchall()
    assert len(got) == len(expected)
    assert got or quarter == "2024-T4"  # no pilot row in 2024-T4
    for row, want in zip(got, expected, strict=True):
        assert all(same(a, b) for a, b in zip(row, want, strict=True)), (row, want)


def test_the_superseded_value_and_the_quarterly_row_are_the_ones_left_out(warehouse: Path) -> None:
    with open_warehouse(warehouse, read_only=True) as con:
        rows = fetch_dicts(con, "cell_contributions", {"quarter": "2025-T3"})
    mine = {(r["use_case"], r["kpi"], r["finess"]): r for r in rows}
    assert mine[("UC01", "EFF_DELAI_PEC", E4)]["pilot"] == 57  # the correction, not the 55
    # E1's 2024-T4 quarterly reference row (64, effectif 12) wins over its months; 2025-T4 is later
    assert mine[("UC03", "EFF_DELAI_PEC", E1)]["baseline"] == 64
    # E2's months lack counts in November: the baseline is their plain mean, no pooled counts
    assert mine[("UC03", "QUA_READMISSION_30J", E2)]["baseline"] == 13
    assert mine[("UC03", "QUA_READMISSION_30J", E2)]["baseline_numerator"] is None


def test_cells_read_by_columns_are_the_cells_built_from_dicts(warehouse: Path) -> None:
    with open_warehouse(warehouse, read_only=True) as con:
        by_columns = fetch_inputs(con, "2025-T3")
        by_dicts = build_inputs(fetch_dicts(con, "cell_contributions", {"quarter": "2025-T3"}))
    assert by_columns == by_dicts
    assert [cell.key for cell in by_columns][-1][0] == "ENSEMBLE"
