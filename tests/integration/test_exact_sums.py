"""The figures an edition digests per establishment do not depend on the order in which DuckDB adds an
experimentation's rows: the views sum exactly (warehouse/migrations/016_exact_sums.sql). With DOUBLE
sums, (a + b) + c and (c + b) + a of these three amounts differ in their last bit, on either side of
117,798,775.15, so at 10 significant digits one order read « 117798775.1 » and the other « …775.2 »:
the next edition then held the establishment's cells as « correction en attente » for nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from golden_data import E3, build_golden_warehouse, submit

from disclosure.cell_inputs import fetch_inputs
from disclosure.digests import member_digests
from warehouse.db import open_warehouse
from warehouse.queries import fetch_dicts

AMOUNTS = (40326075.15, 30468428.64, 47004271.36)  # exactly 117,798,775.15 in all
REFERENCE_MONTHS = ("2024-10", "2024-11", "2024-12")
PILOT_MONTHS = ("2025-07", "2025-08", "2025-09")


def months_rows(order: tuple[float, ...]) -> list[tuple[object, ...]]:
    """E3's monthly costs of UC03, reference and pilot, each month's amount taken from `order`."""
    return [
        (E3, "UC03", "ECO_COUT_SOLUTION", month, phase, amount, None, None, None)
        for months, phase in ((REFERENCE_MONTHS, "reference"), (PILOT_MONTHS, "pilote"))
        for month, amount in zip(months, order, strict=True)
    ]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The golden warehouse twice, E3's months stored in one order in the first, reversed in the other
    (one connection, one thread's scan: DuckDB adds a small group's rows in the order they are stored)."""
    paths = []
    for name, order in (("forward", AMOUNTS), ("backward", AMOUNTS[::-1])):
        path = build_golden_warehouse(tmp_path_factory.mktemp(name) / "w.duckdb")
        with open_warehouse(path) as con:
            submit(con, "months.csv", datetime(2025, 10, 20, 9, 0), months_rows(order))
        paths.append(path)
    return paths[0], paths[1]


def test_the_rows_order_does_not_move_the_doubles_sum_at_10_digits() -> None:
    # the premise: as DOUBLEs, the two orders print differently at the digests' 10 significant digits
    a, b, c = AMOUNTS
    assert format((a + b) + c, ".10g") != format((c + b) + a, ".10g")


def test_an_experimentations_figures_do_not_depend_on_its_rows_order(warehouses: tuple[Path, Path]) -> None:
    figures = []
    for path in warehouses:
        with open_warehouse(path, read_only=True) as con:
            rows = fetch_dicts(con, "cell_contributions", {"quarter": "2025-T3"})
        figures.append({(r["use_case"], r["kpi"], r["finess"]): r for r in rows})
    forward, backward = figures
    key = ("UC03", "ECO_COUT_SOLUTION", E3)
    assert forward[key]["pilot"] == backward[key]["pilot"] == pytest.approx(117798775.15, abs=1e-6)
    assert forward[key]["baseline"] == backward[key]["baseline"] == pytest.approx(117798775.15, abs=1e-6)
    assert forward == backward


def test_an_establishments_digests_do_not_depend_on_its_rows_order(warehouses: tuple[Path, Path]) -> None:
    digests = []
    for path in warehouses:
        with open_warehouse(path, read_only=True) as con:
            cells = fetch_inputs(con, "2025-T3")
        digests.append({c.key: member_digests(c) for c in cells})
    forward, backward = digests
    assert E3 in forward[("UC03", "ECO", "ECO_COUT_SOLUTION")]
    assert forward == backward
