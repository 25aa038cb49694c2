"""Recording a run's files as one batch leaves the warehouse exactly as recording them one by one."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.catalogue import default_catalogue
from schemas.messages import make_issue
from warehouse.db import open_warehouse
from warehouse.load import SettledFile, SubmissionRecord, record_batch
from warehouse.reference import sync_catalogue

SITES = ("010780195", "010780906")
PERIODS = ("2025-07", "2025-08", "2025-09")
# a file: for some (site, period) keys, a value; None marks a rejected file
FILES = st.lists(
    st.one_of(
        st.none(),
        st.dictionaries(
            st.tuples(st.sampled_from(SITES), st.sampled_from(PERIODS)),
            st.integers(min_value=1, max_value=500),
            min_size=1,
        ),
    ),
    min_size=1,
    max_size=6,
)


def settled(
    number: int, values: dict[tuple[str, str], int] | None, received: int | None = None
) -> SettledFile:
    minute = number if received is None else received  # when it was received (reception order)
    record = SubmissionRecord(
        f"{number:064d}",
        f"f{number}.csv",
        f"x/f{number}.csv",
        None,
        datetime(2026, 1, 1, minute // 60, minute % 60),
        "-",
        None,
    )
    if values is None:
        issue = make_issue("valeur_manquante", row=2, column="valeur")
        return SettledFile(record, 1, [issue], None)
    keys = sorted(values)
    table = pa.table(
        {
            "source_row": pa.array(range(2, 2 + len(keys)), pa.int32()),
            "finess": [site for site, _ in keys],
            "use_case": ["UC01"] * len(keys),
            "domain": ["EFF"] * len(keys),
            "kpi": ["EFF_DELAI_PEC"] * len(keys),
            "period": [period for _, period in keys],
            "quarter": ["2025-T3"] * len(keys),
            "phase": ["pilote"] * len(keys),
            "value": [float(values[key]) for key in keys],
            "numerator": pa.array([None] * len(keys), pa.float64()),
            "denominator": pa.array([None] * len(keys), pa.float64()),
            "n_patients": pa.array([30] * len(keys), pa.int64()),
            "comment": pa.array([None] * len(keys), pa.string()),
        }
    )
    return SettledFile(record, len(keys), [], table)


def warehouse_state(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        """SELECT s.sha256, s.status, s.n_issues, m.finess, m.period, m.value, m.superseded
           FROM submission s LEFT JOIN measurement m ON m.submission_id = s.id
           ORDER BY s.sha256, m.finess, m.period"""
    ).fetchall()


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated warehouse holding the catalogue, made once: each example starts from a copy of it (the
    migrations cost most of an example's time otherwise)."""
    path = tmp_path_factory.mktemp("batch-load") / "empty.duckdb"
    with open_warehouse(path) as con:
        sync_catalogue(con, default_catalogue())
    return path


def record(
    empty: Path, folder: Path, name: str, batches: list[list[SettledFile]]
) -> tuple[list[tuple], list[int]]:
    shutil.copyfile(empty, folder / f"{name}.duckdb")
    with open_warehouse(folder / f"{name}.duckdb") as con:
        superseded = [r.superseded for batch in batches for r in record_batch(con, batch)]
        return warehouse_state(con), superseded


@settings(max_examples=30, deadline=None)
@given(earlier=FILES, run=FILES)
def test_a_batch_leaves_the_warehouse_as_files_loaded_one_by_one(
    empty: Path,
    earlier: list[dict[tuple[str, str], int] | None],
    run: list[dict[tuple[str, str], int] | None],
) -> None:
    first = [settled(n, values) for n, values in enumerate(earlier)]
    second = [settled(100 + n, values) for n, values in enumerate(run)]
    with tempfile.TemporaryDirectory() as folder:
        one_by_one = record(empty, Path(folder), "single", [[file] for file in first + second])
        batched = record(empty, Path(folder), "batch", [first, second])
    assert batched == one_by_one
    state, _ = batched
    active = [
        (site, period) for _, status, _, site, period, _, superseded in state if site and not superseded
    ]
    assert len(active) == len(set(active)), "one value in effect per key"


@settings(max_examples=30, deadline=None)
@given(earlier=FILES, late=FILES)
def test_a_batch_received_before_what_the_warehouse_holds_stays_under_it(
    empty: Path,
    earlier: list[dict[tuple[str, str], int] | None],
    late: list[dict[tuple[str, str], int] | None],
) -> None:
    """A run that commits late (its files were received first): its values go in already superseded
    where the warehouse holds a value received after them, in a batch as one by one."""
    first = [settled(100 + n, values) for n, values in enumerate(earlier)]
    second = [settled(n, values) for n, values in enumerate(late)]
    with tempfile.TemporaryDirectory() as folder:
        one_by_one = record(empty, Path(folder), "single", [[file] for file in first + second])
        batched = record(empty, Path(folder), "batch", [first, second])
    # the counts too: a receipt never says a file replaced a value that stays in effect above it
    assert batched == one_by_one
    state, _ = batched
    current = {
        (site, period): value for _, _, _, site, period, value, superseded in state if site and not superseded
    }
    expected: dict[tuple[str, str], float] = {}
    for values in late + earlier:  # reception order: the late run's files came first
        expected.update({key: float(value) for key, value in (values or {}).items()})
    assert current == expected


def test_a_refused_batch_writes_nothing(tmp_path: Path) -> None:
    good = settled(1, {("010780195", "2025-07"): 40})
    bad_table = settled(2, {("010780195", "2025-08"): 41}).measurements
    assert bad_table is not None
    bad_phase = bad_table.set_column(7, "phase", pa.array(["pendant"]))
    bad = SettledFile(settled(2, None).record, 1, [], bad_phase)
    with open_warehouse(tmp_path / "w.duckdb") as con:
        sync_catalogue(con, default_catalogue())
        with pytest.raises(duckdb.ConstraintException):
            record_batch(con, [good, bad])
        assert warehouse_state(con) == []


def large_file(number: int, rows: int, offset: int = 0) -> SettledFile:
    """`rows` distinct keys (establishment x KPI code), values from `offset`, in Arrow batches of 10,000
    rows: DuckDB's threads insert them in parallel."""
    record = settled(number, None).record
    index = pa.array(range(rows), pa.int64())
    finess = pc.cast(pc.add(pc.divide(index, 1000), 100_000_000), pa.string())
    kpi = pc.binary_join_element_wise("K", pc.cast(pc.bit_wise_and(index, 1023), pa.string()), "")
    table = pa.table(
        {
            "source_row": pa.array(range(2, rows + 2), pa.int32()),
            "finess": finess,
            "use_case": pa.repeat("UC01", rows),
            "domain": pa.repeat("EFF", rows),
            "kpi": kpi,
            "period": pa.repeat("2025-07", rows),
            "quarter": pa.repeat("2025-T3", rows),
            "phase": pa.repeat("pilote", rows),
            "value": pc.cast(pc.add(index, offset), pa.float64()),
            "numerator": pa.nulls(rows, pa.float64()),
            "denominator": pa.nulls(rows, pa.float64()),
            "n_patients": pa.repeat(pa.scalar(30, pa.int64()), rows),
            "comment": pa.nulls(rows, pa.string()),
        }
    )
    return SettledFile(record, rows, [], pa.Table.from_batches(table.to_batches(max_chunksize=10_000)))


def test_two_loads_of_a_large_file_read_alike(tmp_path: Path) -> None:
    """A big batch is inserted by DuckDB's threads in parallel (Arrow slices): ids still follow the file's
    rows, storage keeps that order, and two warehouses loaded with the same files answer alike."""
    files = [large_file(1, 120_000), large_file(2, 60_000, offset=7)]  # the second supersedes half the first
    states = []
    for name in ("a", "b"):
        with open_warehouse(tmp_path / f"{name}.duckdb") as con:
            con.execute("SET threads = 2")
            results = [record_batch(con, [file])[0] for file in files]
            assert [(r.loaded, r.superseded) for r in results] == [(120_000, 0), (60_000, 60_000)]
            in_file_order = con.execute(
                "SELECT bool_and(id = min_id + source_row - 2) FROM measurement "
                "JOIN (SELECT submission_id, min(id) AS min_id FROM measurement GROUP BY ALL) USING (submission_id)"
            ).fetchone()
            assert in_file_order == (True,)
            stored = [row[0] for row in con.execute("SELECT id FROM measurement").fetchall()]
            assert stored == sorted(stored), "rows are stored in file order, as before"
            states.append(
                (
                    con.execute("SELECT * FROM measurement ORDER BY id").fetchall(),
                    con.execute(
                        "SELECT finess, kpi, value FROM measurement_latest ORDER BY finess, kpi"
                    ).fetchall(),
                )
            )
    assert states[0] == states[1]
    measurements, latest = states[0]
    assert len(measurements) == 180_000 and len(latest) == 120_000
    assert latest[0] == ("100000000", "K0", 7.0)


def test_ids_written_by_other_means_are_never_reused_and_a_block_follows_its_own(tmp_path: Path) -> None:
    """A load takes its ids above its block and above any id another tool wrote without the block."""
    with open_warehouse(tmp_path / "w.duckdb") as con:
        sync_catalogue(con, default_catalogue())
        [first] = record_batch(con, [settled(1, {("010780195", "2025-07"): 40})])
        con.execute(  # an older tool, numbering from the table itself, writes far above the block
            "INSERT INTO submission (id, sha256, original_name, inbox_path, received_at, status, n_rows, "
            "n_issues, stored_path) VALUES (?, 'other', 'o.csv', 'x/o.csv', now(), 'accepted', 0, 0, '')",
            [first.submission_id + 50],
        )
        [after_other] = record_batch(con, [settled(2, {("010780195", "2025-08"): 41})])
        [next_one] = record_batch(con, [settled(3, {("010780195", "2025-09"): 42})])
        ids = [row[0] for row in con.execute("SELECT id FROM submission ORDER BY id").fetchall()]
    assert after_other.submission_id == first.submission_id + 51
    assert next_one.submission_id == after_other.submission_id + 1
    assert len(ids) == len(set(ids)) == 4
