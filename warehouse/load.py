"""Write submissions into the warehouse: each file in one transaction, so it is never half written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from schemas.messages import Issue

# A join on the key (not `IN (subquery)`, which scanned the whole table once per file).
_SUPERSEDE = """
UPDATE measurement AS m SET superseded = true
FROM (SELECT DISTINCT finess, use_case, kpi, period, phase FROM incoming_measurement) AS i
WHERE NOT m.superseded
  AND m.submission_id <> $submission_id
  AND m.finess = i.finess AND m.use_case = i.use_case AND m.kpi = i.kpi
  AND m.period = i.period AND m.phase = i.phase
"""

_INSERT_MEASUREMENTS = """
INSERT INTO measurement (submission_id, source_row, finess, use_case, domain, kpi, period, quarter,
                         phase, value, numerator, denominator, n_patients, comment)
SELECT $submission_id, source_row, finess, use_case, domain, kpi, period, quarter,
       phase, value, numerator, denominator, n_patients, comment
FROM incoming_measurement
"""

_NEW_ESTABLISHMENTS = """
INSERT INTO establishment (finess, first_seen_at)
SELECT DISTINCT finess, $received_at FROM incoming_measurement
ON CONFLICT (finess) DO UPDATE SET first_seen_at = coalesce(establishment.first_seen_at, excluded.first_seen_at)
"""


@dataclass(frozen=True)
class SubmissionRecord:
    """What the warehouse keeps of one file."""

    sha256: str
    original_name: str
    inbox_path: str
    inbox_finess: str | None
    received_at: datetime
    stored_path: str
    flow_run_id: str | None


@dataclass(frozen=True)
class LoadResult:
    submission_id: int
    loaded: int
    superseded: int


def find_submission(con: duckdb.DuckDBPyConnection, sha256: str) -> tuple[int, str] | None:
    """(id, status) of a file already seen with these exact bytes."""
    row = con.execute("SELECT id, status FROM submission WHERE sha256 = ?", [sha256]).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def _insert_submission(
    con: duckdb.DuckDBPyConnection, record: SubmissionRecord, status: str, n_rows: int, n_issues: int
) -> int:
    row = con.execute(
        """
        INSERT INTO submission (sha256, original_name, inbox_path, inbox_finess, received_at, status,
                                n_rows, n_issues, stored_path, flow_run_id, processed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_localtimestamp()) RETURNING id
        """,
        [
            record.sha256,
            record.original_name,
            record.inbox_path,
            record.inbox_finess,
            record.received_at,
            status,
            n_rows,
            n_issues,
            record.stored_path,
            record.flow_run_id,
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def _insert_issues(con: duckdb.DuckDBPyConnection, submission_id: int, issues: Iterable[Issue]) -> None:
    rows = [[submission_id, i.row, i.column, i.rule, i.severity, i.value, i.message] for i in issues]
    if rows:
        con.executemany("INSERT INTO validation_issue VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def load_accepted(
    con: duckdb.DuckDBPyConnection,
    record: SubmissionRecord,
    measurements: pa.Table,
    warnings: Iterable[Issue] = (),
) -> LoadResult:
    """Record an accepted file and its measurements; earlier values of the same keys are superseded."""
    warnings = list(warnings)
    con.execute("BEGIN TRANSACTION")
    try:
        submission_id = _insert_submission(con, record, "accepted", measurements.num_rows, len(warnings))
        con.register("incoming_measurement", measurements)
        params = {"submission_id": submission_id}
        changed = con.execute(_SUPERSEDE, params).fetchone()  # DuckDB answers an UPDATE with its count
        con.execute(_INSERT_MEASUREMENTS, params)
        con.execute(_NEW_ESTABLISHMENTS, {"received_at": record.received_at})
        _insert_issues(con, submission_id, warnings)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("incoming_measurement")
    return LoadResult(submission_id, measurements.num_rows, int(changed[0]) if changed else 0)


def record_rejected(
    con: duckdb.DuckDBPyConnection, record: SubmissionRecord, issues: Iterable[Issue], n_rows: int
) -> int:
    """Record a rejected file and every issue found in it."""
    issues = list(issues)
    errors = sum(1 for issue in issues if issue.severity == "error")
    con.execute("BEGIN TRANSACTION")
    try:
        submission_id = _insert_submission(con, record, "rejected", n_rows, errors)
        _insert_issues(con, submission_id, issues)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return submission_id
