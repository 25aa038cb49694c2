"""Write submissions into the warehouse in one transaction per call, so it is never half written.

`record_batch` records a run's settled files with a handful of set-based statements, whatever their
number: per-file statements cost DuckDB a few milliseconds each (planning, commit), which dominated a
national quarter of 1,500 small files. Within a batch, files count in their given order (reception
order): a later file supersedes an earlier one on the same key, exactly as if loaded one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from schemas.messages import Issue
from warehouse.db import write_transaction
from warehouse.queries import load_query

# Refused bytes dropped again are checked again (the folder, the rules or the register may have
# changed): the new verdict replaces the refusal. Accepted bytes are never in a batch twice.
# Looked for first: on a lake each statement of a load costs a round of the catalogue, and a batch
# rarely brings bytes refused before.
_REFUSED_BEFORE = """
SELECT count(*) FROM submission AS s JOIN batch_submission AS b USING (sha256) WHERE s.status = 'rejected'
"""
_FORGET_REFUSALS = (
    """DELETE FROM validation_issue WHERE submission_id IN (
        SELECT s.id FROM submission AS s JOIN batch_submission AS b USING (sha256) WHERE s.status = 'rejected')""",
    """DELETE FROM submission WHERE status = 'rejected' AND sha256 IN (SELECT sha256 FROM batch_submission)""",
)

# A block of ids per batch (migration 009): raising `next_id` is also what makes two concurrent loads
# on a lake conflict, so the later one is redone on the earlier one's committed values.
# Rows written by other means (older tools using the file's sequences) are never overwritten either:
# a block starts above the largest id at or above its `next_id`. That filter is a constant, so DuckDB
# skips every row group (a lake every data file) whose ids are all below it by their statistics: on a
# lake of 1,500 small files, 5 ms against 24-39 ms for `max(id)` over the whole tables.
_ID_BLOCKS = "SELECT name, next_id FROM id_block WHERE name IN ('submission', 'measurement')"
_TOP_IDS = {
    "submission": "SELECT max(id) FROM submission WHERE id >= ?",
    "measurement": "SELECT max(id) FROM measurement WHERE id >= ?",
}
_TAKE_IDS = """
UPDATE id_block SET next_id = CASE name WHEN 'submission' THEN ? ELSE ? END
WHERE name IN ('submission', 'measurement')
"""

_INSERT_SUBMISSIONS = """
INSERT INTO submission (id, sha256, original_name, inbox_path, inbox_finess, received_at, status,
                        n_rows, n_issues, stored_path, flow_run_id, processed_at, deposited_by)
SELECT ? + ord, sha256, original_name, inbox_path, inbox_finess, received_at, status,
       n_rows, n_issues, stored_path, flow_run_id, current_localtimestamp(), deposited_by
FROM batch_submission ORDER BY ord
"""

# Per file, the values it supersedes: the warehouse's value of each of its keys, when no two files of
# the batch share a key (the usual case, and always for a single file: a file has no duplicate key),
# and how many of its keys hold a value received after it...
_SUPERSEDED_COUNTS = load_query("load_superseded_counts")
# ... else, as if the files were loaded one by one in batch order: for each key, the value in effect just
# before the file (the warehouse's, or an earlier file's of the batch, whichever was received last) when
# it was received no later than the file. Such a batch is inserted in order, each row checked against the
# warehouse: no search for later values.
_SUPERSEDED_COUNTS_WITH_REPEATS = load_query("load_superseded_counts_with_repeats")

_REPEATED_KEYS = load_query("load_repeated_keys")

# Reception order, whatever the commit order: a value is superseded only by a file received later
# (or at the same time), so a run that commits late cannot put an older file back on top.
_SUPERSEDE = load_query("load_supersede")

# After _SUPERSEDE, a value still current for a key was received after the batch's file: the
# batch's value goes in already superseded. Looking for such values costs a join per row (2-3x the
# insert of a 1 M-row file), so it runs only when the counts above found some; else every row goes in
# as it is, in one scan of the Arrow table (ids already in it).
_INSERT_MEASUREMENTS = load_query("load_insert_measurements")
_INSERT_NEW_MEASUREMENTS = load_query("load_insert_new_measurements")
# within the batch, a value is superseded at once when a later file of the batch has the same key
_INSERT_MEASUREMENTS_IN_ORDER = load_query("load_insert_measurements_in_order")

# Without ON CONFLICT (a lake has no unique key): date the registered establishments seen for the first
# time, then add the unknown ones (from `batch_establishment`, a few rows per file, not the measurements).
_DATE_ESTABLISHMENTS = load_query("load_date_establishments")
_NEW_ESTABLISHMENTS = load_query("load_new_establishments")

_INSERT_ISSUES = """
INSERT INTO validation_issue
SELECT s.id, i.row_number, i.column_name, i.rule, i.severity, i.value, i.message
FROM batch_issue AS i JOIN batch_submission AS b USING (ord) JOIN submission AS s ON s.sha256 = b.sha256
"""

_INSERT_CHUNK_ROWS = 122_880  # DuckDB's row group
_SMALL_FILE_ROWS = 10_000  # files this small on average are inserted from one copy of their rows


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
    deposited_by: str | None = None  # the portal referent who deposited it; None for a folder drop


@dataclass(frozen=True)
class LoadResult:
    submission_id: int
    loaded: int
    superseded: int


def find_submissions(con: duckdb.DuckDBPyConnection, sha256s: Sequence[str]) -> dict[str, tuple[int, str]]:
    """sha256 -> (id, status) of the files already seen with these exact bytes."""
    rows = con.execute(
        "SELECT sha256, id, status FROM submission WHERE list_contains(?, sha256)", [list(sha256s)]
    ).fetchall()
    return {str(sha): (int(id_), str(status)) for sha, id_, status in rows}


@dataclass(frozen=True)
class AcceptedDrop:
    """An accepted submission as the warehouse keeps it: enough to tell its establishment again."""

    submission_id: int
    inbox_path: str
    received_at: datetime
    n_rows: int
    n_issues: int
    stored_path: str
    loaded: int
    superseded: int


_ACCEPTED_DROPS = load_query("load_accepted_drops")


def find_accepted_drops(con: duckdb.DuckDBPyConnection, sha256s: Sequence[str]) -> dict[str, AcceptedDrop]:
    """sha256 -> the accepted submission of these exact bytes, with what it loaded and superseded."""
    rows = con.execute(_ACCEPTED_DROPS, [list(sha256s)]).fetchall()
    return {str(sha): AcceptedDrop(*fields) for sha, *fields in rows}


@dataclass(frozen=True)
class SettledFile:
    """One file of the batch: accepted with its measurements (and warnings), or rejected with its issues."""

    record: SubmissionRecord
    n_rows: int
    issues: Sequence[Issue]
    measurements: pa.Table | None  # None: rejected

    @property
    def status(self) -> str:
        return "rejected" if self.measurements is None else "accepted"

    @property
    def n_issues(self) -> int:
        if self.measurements is None:
            return sum(1 for issue in self.issues if issue.severity == "error")
        return len(self.issues)


def record_batch(con: duckdb.DuckDBPyConnection, files: Sequence[SettledFile]) -> list[LoadResult]:
    """Record every file (distinct sha256, none already accepted) in one transaction; a file refused
    before with the same bytes is forgotten and recorded with its new verdict."""
    if not files:
        return []
    tables = {"batch_submission": _submissions_table(files), "batch_issue": _issues_table(files)}
    n_measurements = sum(file.measurements.num_rows for file in files if file.measurements is not None)

    def record() -> tuple[dict[int, int], dict[int, int]]:
        refused = con.execute(_REFUSED_BEFORE).fetchone()
        if refused and refused[0]:
            for statement in _FORGET_REFUSALS:
                con.execute(statement)
        next_ids = _next_ids(con)
        con.execute(
            _TAKE_IDS, [next_ids["submission"] + len(files), next_ids["measurement"] + n_measurements]
        )
        con.execute(_INSERT_SUBMISSIONS, [next_ids["submission"]])
        ids = {ord_: next_ids["submission"] + ord_ for ord_ in range(len(files))}  # as inserted: ? + ord
        counts: dict[int, int] = {}
        measurements = _measurements_table(files, ids, next_ids["measurement"])
        if measurements is not None:
            con.register("batch_measurement", measurements)
            con.register("batch_establishment", _establishments_table(files))
            several = sum(1 for file in files if file.measurements is not None) > 1
            counts = _record_measurements(con, several)
        if tables["batch_issue"].num_rows:
            _record_issues(con)
        return ids, counts

    try:
        for name, table in tables.items():
            con.register(name, table)
        ids, counts = write_transaction(con, record)
    finally:
        for name in (*tables, "batch_measurement", "batch_establishment"):
            con.unregister(name)
    return [
        LoadResult(
            int(ids[ord_]),
            0 if file.measurements is None else file.measurements.num_rows,
            int(counts.get(ord_, 0)),
        )
        for ord_, file in enumerate(files)
    ]


def _next_ids(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The first free id of each table: its block's `next_id`, or above a larger id written otherwise."""
    ids = {}
    for name, next_id in con.execute(_ID_BLOCKS).fetchall():
        row = con.execute(_TOP_IDS[name], [next_id]).fetchone()
        ids[name] = next_id if row is None or row[0] is None else max(next_id, row[0] + 1)
    return ids


def _record_measurements(con: duckdb.DuckDBPyConnection, several_files: bool) -> dict[int, int]:
    """Supersede, insert the batch's measurements, note new establishments; superseded count per file."""
    row = con.execute(_REPEATED_KEYS).fetchone() if several_files else None
    repeats = bool(row and row[0])
    if repeats:
        counts = dict(con.execute(_SUPERSEDED_COUNTS_WITH_REPEATS).fetchall())
        insert = _INSERT_MEASUREMENTS_IN_ORDER  # checks every row against the warehouse
    else:
        found = con.execute(_SUPERSEDED_COUNTS).fetchall()
        counts = {ord_: superseded for ord_, superseded, _ in found}
        later = any(newer for _, _, newer in found)
        insert = _INSERT_MEASUREMENTS if later else _INSERT_NEW_MEASUREMENTS
    if any(counts.values()):  # new keys only (a first file, a new quarter): nothing to supersede
        con.execute(_SUPERSEDE)
    con.execute(insert)
    con.execute(_DATE_ESTABLISHMENTS)
    con.execute(_NEW_ESTABLISHMENTS)
    return counts


def _record_issues(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_INSERT_ISSUES)


def _submissions_table(files: Sequence[SettledFile]) -> pa.Table:
    records = [file.record for file in files]
    return pa.table(
        {
            "ord": pa.array(range(len(files)), pa.int32()),
            "sha256": [r.sha256 for r in records],
            "original_name": [r.original_name for r in records],
            "inbox_path": [r.inbox_path for r in records],
            "inbox_finess": pa.array([r.inbox_finess for r in records], pa.string()),
            "received_at": [r.received_at for r in records],  # DuckDB casts to TIMESTAMP
            "status": [file.status for file in files],
            "n_rows": pa.array([file.n_rows for file in files], pa.int32()),
            "n_issues": pa.array([file.n_issues for file in files], pa.int32()),
            "stored_path": [r.stored_path for r in records],
            "flow_run_id": pa.array([r.flow_run_id for r in records], pa.string()),
            "deposited_by": pa.array([r.deposited_by for r in records], pa.string()),
        }
    )


def _measurements_table(files: Sequence[SettledFile], ids: dict[int, int], first_id: int) -> pa.Table | None:
    """The accepted files' measurements with their file's position in the batch, submission id and own
    id (from `first_id`, in batch order then row order). Arrow columns are not copied but to sort a file
    that is not in row order already."""
    parts = [
        _in_row_order(file.measurements)
        .append_column("ord", _repeat(number, file.measurements.num_rows))
        .append_column("submission_id", _repeat(ids[number], file.measurements.num_rows))
        for number, file in enumerate(files)
        if file.measurements is not None
    ]
    if not parts:
        return None
    table = pa.concat_tables(parts, promote_options="permissive")
    table = table.append_column("id", pa.arange(first_id, first_id + table.num_rows))
    if len(parts) > 1 and table.num_rows < _SMALL_FILE_ROWS * len(parts):
        # many small files: DuckDB scans each file's chunk on its own, which tripled the insert of
        # 400 files of 210 rows against one chunk of the same rows
        table = table.combine_chunks()
    # in slices of a row group (no copy): DuckDB's threads then scan and insert them in parallel, still in
    # order. Polars hands over one chunk, which one thread inserted: 3.0-3.8 CPU s for a 1 M-row file,
    # against 1.9-2.4 s in slices
    return pa.Table.from_batches(table.to_batches(max_chunksize=_INSERT_CHUNK_ROWS), table.schema)


def _in_row_order(measurements: pa.Table) -> pa.Table:
    rows = measurements.column("source_row")
    if len(rows) < 2 or pc.all(pc.less_equal(rows[:-1], rows[1:])).as_py():
        return measurements
    return measurements.sort_by("source_row")


def _establishments_table(files: Sequence[SettledFile]) -> pa.Table:
    """Each FINESS of the accepted files with the reception time of the first file that brings it."""
    first_seen: dict[str, datetime] = {}
    for file in files:
        if file.measurements is None:
            continue
        for finess in pc.unique(file.measurements.column("finess")).to_pylist():
            if finess not in first_seen or file.record.received_at < first_seen[finess]:
                first_seen[finess] = file.record.received_at
    return pa.table(
        {
            "finess": pa.array(list(first_seen), pa.string()),
            # typed as the submissions' reception times are (DuckDB casts them to TIMESTAMP)
            "first_seen_at": pa.array(list(first_seen.values()), None if first_seen else pa.timestamp("us")),
        }
    )


def _repeat(value: int, times: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.int32()), times)


def _issues_table(files: Sequence[SettledFile]) -> pa.Table:
    rows = [(number, issue) for number, file in enumerate(files) for issue in file.issues]
    return pa.table(
        {
            "ord": pa.array([number for number, _ in rows], pa.int32()),
            "row_number": pa.array([issue.row for _, issue in rows], pa.int32()),
            "column_name": pa.array([issue.column for _, issue in rows], pa.string()),
            "rule": pa.array([issue.rule for _, issue in rows], pa.string()),
            "severity": pa.array([issue.severity for _, issue in rows], pa.string()),
            "value": pa.array([issue.value for _, issue in rows], pa.string()),
            "message": pa.array([issue.message for _, issue in rows], pa.string()),
        }
    )


def load_accepted(
    con: duckdb.DuckDBPyConnection,
    record: SubmissionRecord,
    measurements: pa.Table,
    warnings: Iterable[Issue] = (),
) -> LoadResult:
    """Record one accepted file and its measurements; earlier values of the same keys are superseded."""
    file = SettledFile(record, measurements.num_rows, tuple(warnings), measurements)
    return record_batch(con, [file])[0]


def record_rejected(
    con: duckdb.DuckDBPyConnection, record: SubmissionRecord, issues: Iterable[Issue], n_rows: int
) -> int:
    """Record one rejected file and every issue found in it."""
    return record_batch(con, [SettledFile(record, n_rows, tuple(issues), None)])[0].submission_id
