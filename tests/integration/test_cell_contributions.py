"""The cells of a quarter as disclosure/cell_inputs.py reads them once per edition (column by column,
members shared by a use-case cell and its ENSEMBLE row) are the cells built from one dict per row of
cell_contributions.sql, on rows where the views' rules matter: a quarterly row over months, a later
reference quarter, a rate whose months lack counts, a later pilot quarter and a superseded value.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from golden_data import E1, E2, E3, E4, build_golden_warehouse, submit

from disclosure.cell_inputs import build_inputs, fetch_inputs, split_by_group
from tests.support.rows import Row
from warehouse.db import open_warehouse
from warehouse.queries import fetch_dicts

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
        submit(con, "extra.csv", datetime(2025, 11, 3, 9, 0), [Row(*row) for row in EXTRA])
        submit(con, "correction.csv", datetime(2026, 1, 5, 9, 0), [Row(*row) for row in CORRECTION])
        con.execute(
            "UPDATE measurement SET superseded = true WHERE finess = $finess AND use_case = 'UC01' "
            "AND kpi = 'EFF_DELAI_PEC' AND period = '2025-T3' AND value = 55",
            {"finess": E4},
        )
    return path


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


@pytest.mark.parametrize("quarter", ["2025-T3", "2025-T4"])
def test_cells_read_by_columns_are_the_cells_built_from_dicts(warehouse: Path, quarter: str) -> None:
    with open_warehouse(warehouse, read_only=True) as con:
        by_columns = fetch_inputs(con, quarter)
        by_dicts = build_inputs(fetch_dicts(con, "cell_contributions", {"quarter": quarter}))
    assert by_columns == by_dicts
    assert by_columns[-1].use_case == "ENSEMBLE"


def test_a_group_split_from_the_national_cells_is_built_from_the_group_rows_alone(warehouse: Path) -> None:
    group = {E1: "CHU", E2: "CHU", E3: "CH"}  # the others in no category
    with open_warehouse(warehouse, read_only=True) as con:
        rows = fetch_dicts(con, "cell_contributions", {"quarter": "2025-T3"})
        split = split_by_group(fetch_inputs(con, "2025-T3"), lambda finess: group.get(finess, "NC"))
    for name in ("CHU", "CH", "NC"):
        alone = [
            c
            for c in build_inputs([r for r in rows if group.get(r["finess"], "NC") == name])
            if not c.is_total
        ]
        assert split[name] == alone, name
