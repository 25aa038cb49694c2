"""The golden dataset of the benchmark tests: a few experimentations whose every number is worked out
by hand in tests/integration/test_benchmark_golden.py. Written straight into a warehouse in tmp_path.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from schemas.catalogue import default_catalogue
from schemas.periods import parse_period
from tests.support.rows import Row
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

QUARTER = "2025-T3"
E1, E2, E3, E4, E5, E6 = (f"75000000{i}" for i in range(1, 7))

# (finess, use case, kpi, period, phase, value, numerator, denominator, effectif)
GOLDEN: list[tuple[str, str, str, str, str, float | None, int | None, int | None, int | None]] = [
    # UC01 x EFF_DELAI_PEC (minutes, lower is better, threshold 60): six experimentations
    (E1, "UC01", "EFF_DELAI_PEC", "2024-T4", "reference", 100, None, None, 20),
    (E1, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 80, None, None, 20),
    (E2, "UC01", "EFF_DELAI_PEC", "2024-T4", "reference", 90, None, None, 30),
    (E2, "UC01", "EFF_DELAI_PEC", "2025-07", "pilote", 80, None, None, 10),  # monthly, weighted
    (E2, "UC01", "EFF_DELAI_PEC", "2025-08", "pilote", 50, None, None, 30),
    (E3, "UC01", "EFF_DELAI_PEC", "2024-T3", "reference", 120, None, None, None),  # no effectif
    (E3, "UC01", "EFF_DELAI_PEC", "2024-T4", "reference", 100, None, None, 20),
    (E3, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 99, None, None, 25),
    (E4, "UC01", "EFF_DELAI_PEC", "2024-T4", "reference", 50, None, None, 20),
    (E4, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 55, None, None, 20),
    (E5, "UC01", "EFF_DELAI_PEC", "2024-T4", "reference", 80, None, None, 20),
    (E5, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 60, None, None, 20),
    (E6, "UC01", "EFF_DELAI_PEC", "2024-T4", "reference", 70, None, None, 20),
    (E6, "UC01", "EFF_DELAI_PEC", "2025-T3", "pilote", 63, None, None, 20),
    (E6, "UC01", "EFF_DELAI_PEC", "2025-07", "pilote", 10, None, None, 5),  # the quarterly row wins
    # UC01 x QUA_READMISSION_30J (%, rate, lower is better, threshold 10): pooled and median differ
    (E1, "UC01", "QUA_READMISSION_30J", "2024-T4", "reference", 10, 10, 100, None),
    (E1, "UC01", "QUA_READMISSION_30J", "2025-T3", "pilote", 5, 5, 100, None),
    (E2, "UC01", "QUA_READMISSION_30J", "2024-T4", "reference", 15, 30, 200, None),
    (E2, "UC01", "QUA_READMISSION_30J", "2025-07", "pilote", 10, 10, 100, None),
    (E2, "UC01", "QUA_READMISSION_30J", "2025-08", "pilote", 7, 14, 200, None),
    (E3, "UC01", "QUA_READMISSION_30J", "2024-T4", "reference", 10, 2, 20, None),
    (E3, "UC01", "QUA_READMISSION_30J", "2025-T3", "pilote", 15, 3, 20, None),
    # UC01 ECO amounts over the pilot quarters T2 and T3, for the ROI
    (E1, "UC01", "ECO_COUT_SOLUTION", "2025-T2", "pilote", 50000, None, None, None),
    (E1, "UC01", "ECO_COUT_SOLUTION", "2025-T3", "pilote", 10000, None, None, None),
    (E1, "UC01", "ECO_DEPENSES_EVITEES", "2025-T2", "pilote", 20000, None, None, None),
    (E1, "UC01", "ECO_DEPENSES_EVITEES", "2025-T3", "pilote", 40000, None, None, None),
    (E1, "UC01", "ECO_RECETTES_NOUVELLES", "2025-T3", "pilote", 10000, None, None, None),
    (E2, "UC01", "ECO_COUT_SOLUTION", "2025-T3", "pilote", 40000, None, None, None),
    (E2, "UC01", "ECO_DEPENSES_EVITEES", "2025-07", "pilote", 10000, None, None, None),
    (E2, "UC01", "ECO_DEPENSES_EVITEES", "2025-08", "pilote", 10000, None, None, None),
    (E2, "UC01", "ECO_DEPENSES_EVITEES", "2025-09", "pilote", 10000, None, None, None),
    (E3, "UC01", "ECO_COUT_SOLUTION", "2025-T3", "pilote", 20000, None, None, None),
    (E3, "UC01", "ECO_DEPENSES_EVITEES", "2025-T3", "pilote", 25000, None, None, None),
    (E3, "UC01", "ECO_RECETTES_NOUVELLES", "2025-T3", "pilote", 5000, None, None, None),
    # UC02 x EFF_DELAI_PEC: two establishments -> primary suppression
    (E1, "UC02", "EFF_DELAI_PEC", "2024-T4", "reference", 40, None, None, 30),
    (E1, "UC02", "EFF_DELAI_PEC", "2025-T3", "pilote", 30, None, None, 30),
    (E2, "UC02", "EFF_DELAI_PEC", "2024-T4", "reference", 45, None, None, 30),
    (E2, "UC02", "EFF_DELAI_PEC", "2025-T3", "pilote", 50, None, None, 30),
    # UC03 x EFF_DELAI_PEC: three establishments, the smallest published cell -> secondary suppression
    (E4, "UC03", "EFF_DELAI_PEC", "2024-T4", "reference", 60, None, None, 20),
    (E4, "UC03", "EFF_DELAI_PEC", "2025-T3", "pilote", 50, None, None, 20),
    (E5, "UC03", "EFF_DELAI_PEC", "2024-T4", "reference", 70, None, None, 20),
    (E5, "UC03", "EFF_DELAI_PEC", "2025-T3", "pilote", 65, None, None, 20),
    (E6, "UC03", "EFF_DELAI_PEC", "2024-T4", "reference", 80, None, None, 20),
    (E6, "UC03", "EFF_DELAI_PEC", "2025-T3", "pilote", 85, None, None, 20),
    # UC02 x QUA_DMS: three establishments but 2 + 3 + 4 = 9 patients -> primary suppression
    (E1, "UC02", "QUA_DMS", "2024-T4", "reference", 6, None, None, 20),
    (E1, "UC02", "QUA_DMS", "2025-T3", "pilote", 5, None, None, 2),
    (E2, "UC02", "QUA_DMS", "2024-T4", "reference", 7, None, None, 20),
    (E2, "UC02", "QUA_DMS", "2025-T3", "pilote", 6, None, None, 3),
    (E3, "UC02", "QUA_DMS", "2024-T4", "reference", 8, None, None, 20),
    (E3, "UC02", "QUA_DMS", "2025-T3", "pilote", 7, None, None, 4),
]
ROWS = [Row(*fields) for fields in GOLDEN]


def insert_submission(
    con: duckdb.DuckDBPyConnection, name: str, finess: str, received_at: datetime, sha256: str | None = None
) -> int:
    row = con.execute(
        """
        INSERT INTO submission (id, sha256, original_name, inbox_path, inbox_finess, received_at,
                                status, n_rows, n_issues, stored_path)
        VALUES ((SELECT coalesce(max(id), 0) + 1 FROM submission), ?, ?, ?, ?, ?, 'accepted', 0, 0, '')
        RETURNING id
        """,
        [sha256 or f"sha-{name}", name, f"inbox/{finess}/{name}", finess, received_at],
    ).fetchone()
    assert row is not None
    return int(row[0])


def insert_rows(con: duckdb.DuckDBPyConnection, submission_id: int, rows: list[Row]) -> None:
    """Insert measurements the way the loader does: a repeated key supersedes the earlier value."""
    kpis = default_catalogue().kpis
    for number, (finess, use_case, kpi, period, phase, value, num, den, n) in enumerate(rows, start=1):
        con.execute(
            """
            UPDATE measurement SET superseded = true
            WHERE NOT superseded AND finess = ? AND use_case = ? AND kpi = ? AND period = ? AND phase = ?
            """,
            [finess, use_case, kpi, period, phase],
        )
        quarter = parse_period(period)
        assert quarter is not None
        con.execute(
            """
            INSERT INTO measurement (id, submission_id, source_row, finess, use_case, domain, kpi, period,
                                     quarter, phase, value, numerator, denominator, n_patients)
            VALUES ((SELECT coalesce(max(id), 0) + 1 FROM measurement), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [submission_id, number, finess, use_case, kpis[kpi].domain, kpi, period,
             quarter.quarter_label, phase, value if value is not None else 100 * num / den, num, den, n],
        )  # fmt: skip


def submit(
    con: duckdb.DuckDBPyConnection,
    name: str,
    received_at: datetime,
    rows: list[Row],
    sha256: str | None = None,
) -> int:
    """One accepted file holding `rows` (named records, or tuples in their order; `sha256`: the hash of
    its bytes, when the test wrote them)."""
    rows = [Row(*row) for row in rows]
    submission_id = insert_submission(con, name, rows[0].finess, received_at, sha256)
    insert_rows(con, submission_id, rows)
    return submission_id


def build_golden_warehouse(path: Path) -> Path:
    """The golden dataset, one file per establishment, received on 5-10 October 2025."""
    with open_warehouse(path) as con:
        sync_catalogue(con, default_catalogue())
        for day, finess in enumerate((E1, E2, E3, E4, E5, E6), start=5):
            mine = [row for row in ROWS if row.finess == finess]
            submit(con, f"{finess}.csv", datetime(2025, 10, day, 9, 0), mine)
    return path
