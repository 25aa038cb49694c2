"""Completeness of a quarter: the counts on the public index agree with the detailed table."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import duckdb
from report_data import insert_measurement, insert_submission

from schemas.calendar import CalendarEntry
from warehouse.calendar import sync_calendar
from warehouse.queries import completeness_counts, quarter_completeness

QUARTER = "2025-T4"
E1, E2, E3, E4 = "750000001", "690000002", "130000003", "330000004"
VALUE = (10, None, None, 20)


def test_counts_match_the_statuses_of_the_detailed_table(warehouse: duckdb.DuckDBPyConnection) -> None:
    subs = {f: insert_submission(warehouse, f, "accepted", datetime(2026, 1, 5)) for f in (E1, E2, E3, E4)}
    for finess in (E1, E2):  # both known with two KPIs; E1 sends both for the quarter, E2 one
        for kpi in ("EFF_DELAI_PEC", "QUA_DMS"):
            insert_measurement(warehouse, subs[finess], finess, "UC01", kpi, "2025-T2", "reference", VALUE)
    for kpi in ("EFF_DELAI_PEC", "QUA_DMS"):
        insert_measurement(warehouse, subs[E1], E1, "UC01", kpi, "2025-11", "pilote", VALUE)
    insert_measurement(warehouse, subs[E2], E2, "UC01", "QUA_DMS", "2025-T4", "pilote", VALUE)
    insert_measurement(warehouse, subs[E2], E2, "UC01", "EFF_DELAI_PEC", "2025-T4", "pilote", VALUE, True)
    insert_measurement(warehouse, subs[E3], E3, "UC02", "QUA_DMS", "2025-T3", "pilote", VALUE)  # absent
    # not known yet: its first value is for a later quarter
    insert_measurement(warehouse, subs[E4], E4, "UC02", "QUA_DMS", "2026-T1", "pilote", VALUE)

    detailed = Counter(row.status for row in quarter_completeness(warehouse, QUARTER, datetime(2026, 1, 10)))
    counts = completeness_counts(warehouse, QUARTER)

    assert counts == {"complet": 1, "partiel": 1, "absent": 1, "total": 3}
    assert counts == {**{status: detailed[status] for status in ("complet", "partiel", "absent")}, "total": 3}


def test_only_the_experimentations_the_calendar_says_were_running_are_expected(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    subs = {f: insert_submission(warehouse, f, "accepted", datetime(2026, 1, 5)) for f in (E1, E2, E3)}
    for finess in (E1, E2):
        insert_measurement(warehouse, subs[finess], finess, "UC01", "QUA_DMS", "2025-T2", "reference", VALUE)
    insert_measurement(warehouse, subs[E1], E1, "UC01", "QUA_DMS", "2025-T4", "pilote", VALUE)
    insert_measurement(warehouse, subs[E3], E3, "UC02", "QUA_DMS", "2025-T3", "pilote", VALUE)
    sync_calendar(
        warehouse,
        [
            CalendarEntry(E1, "UC01", "2025-T3", None),  # running, sent: complete
            CalendarEntry(E2, "UC01", "2025-T1", "2025-T3"),  # ended before the quarter: not expected
            CalendarEntry(E3, "UC02", "2025-T3", "2025-T4"),  # its last quarter, nothing sent: absent
            CalendarEntry(E4, "UC03", "2025-T4", None),  # started, has never sent anything: absent
        ],
    )

    detailed = {
        (row.finess, row.use_case): row.status
        for row in quarter_completeness(warehouse, QUARTER, datetime(2026, 1, 10))
    }

    assert detailed == {(E1, "UC01"): "complet", (E3, "UC02"): "absent", (E4, "UC03"): "absent"}
    assert completeness_counts(warehouse, QUARTER) == {"complet": 1, "partiel": 0, "absent": 2, "total": 3}


def test_a_quarter_when_no_experimentation_ran_expects_nobody(warehouse: duckdb.DuckDBPyConnection) -> None:
    sub = insert_submission(warehouse, E1, "accepted", datetime(2026, 1, 5))
    insert_measurement(warehouse, sub, E1, "UC01", "QUA_DMS", "2025-T2", "pilote", VALUE)
    sync_calendar(warehouse, [CalendarEntry(E1, "UC01", "2025-T1", "2025-T2")])

    assert quarter_completeness(warehouse, "2026-T3", datetime(2026, 10, 10)) == []
    assert completeness_counts(warehouse, "2026-T3") == {"complet": 0, "partiel": 0, "absent": 0, "total": 0}
