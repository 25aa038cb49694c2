"""Open the warehouse (the DuckDB file, or a DuckLake) and bring it to the latest schema with the
numbered .sql migrations; run writing transactions, retried when a lake's concurrent commit conflicts."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TypeVar

import duckdb

from tlkpi.errors import DiskFullError, PipelineError, TransientError, WarehouseError, is_disk_full
from tlkpi.settings import Lake
from warehouse.dialect import forget_lake, lake_session, statements_for_lake
from warehouse.lock_holder import lock_holder

Warehouse = Path | Lake  # the DuckDB file, or the lake
T = TypeVar("T")
logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_UP_TO_DATE: set[tuple[Lake, bool]] = set()  # lakes (and modes) this process migrated or checked
FILE_ONLY = "-- file only:"  # the first line of a migration that a lake records without running
LOCK_WAIT_SECONDS = 600.0  # a run of the national inbox holds the writer lock for minutes, not hours
LOCK_POLL_SECONDS = 0.25
COMMIT_ATTEMPTS = 30  # a lake commit that lost a race is redone on the winner's data, up to this often
COMMIT_RETRY_SECONDS = 0.05
LOCK_REPORT_SECONDS = 15.0  # a waiting command says so at once, then this often
# Two workers of one data root take turns on the file: a wait shorter than this is their ordinary
# hand-over, said at INFO; a longer one is a WARNING (someone holds the file: a session, a long run).
LOCK_BRIEF_SECONDS = 1.0
_LOCK_CONFLICT = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)
_LOCK_PID = re.compile(r"\(PID (\d+)\)")
_NO_PERMISSION = re.compile(r"operation not permitted|permission denied|read-only file system", re.IGNORECASE)
_CORRUPTION = re.compile(r"corrupt|checksum|could not read enough bytes|not a valid duckdb", re.IGNORECASE)
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

_MIGRATION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
)
"""


def list_migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """The migration files, in order; a badly named .sql file is an error, not silently skipped."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise WarehouseError(f"{path}: migrations are named NNN_lowercase_name.sql")
        found.append((int(match[1]), path))
    versions = [version for version, _ in found]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"{directory}: two migrations share a number")
    return found


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row is not None and row[0] == "ducklake"


def _run_migration(con: duckdb.DuckDBPyConnection, sql: str, lake: bool) -> None:
    if not lake:
        con.execute(sql)
        return
    if sql.startswith(FILE_ONLY):  # what the file needs and a lake never had (a key to drop): recorded only
        return
    for statement in statements_for_lake(sql):
        con.execute(statement)


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their names."""
    lake = is_lake(con)
    write_transaction(con, lambda: _run_migration(con, _MIGRATION_TABLE, lake))
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    done = []
    for version, path in list_migrations(directory):
        if version not in applied and write_transaction(con, partial(_apply, con, version, path, lake)):
            done.append(path.name)
    return done


def _apply(con: duckdb.DuckDBPyConnection, version: int, path: Path, lake: bool) -> bool:
    """Apply one migration unless a concurrent writer just did (two workers starting on a new lake)."""
    if con.execute("SELECT 1 FROM schema_migration WHERE version = ?", [version]).fetchone():
        return False
    _run_migration(con, path.read_text(encoding="utf-8"), lake)
    con.execute("INSERT INTO schema_migration (version, name) VALUES (?, ?)", [version, path.name])
    return True


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, unless the failed COMMIT already ended the transaction (a lake conflict does)."""
    with suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def is_conflict(exc: duckdb.Error) -> bool:
    """A lake commit that lost the race to a concurrent one touching the same data."""
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


def write_transaction(con: duckdb.DuckDBPyConnection, body: Callable[[], T]) -> T:
    """Run `body` in one transaction and commit it. On a lake, a commit that conflicts with a concurrent
    one is run again from the start on the data that won (snapshot isolation made serialisable)."""
    for attempt in range(1, COMMIT_ATTEMPTS + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            result = body()
            con.execute("COMMIT")
            return result
        except duckdb.Error as exc:
            _rollback(con)
            if not is_conflict(exc):
                raise
            logger.info("lake commit conflicted (attempt %d): redoing the transaction", attempt)
            time.sleep(COMMIT_RETRY_SECONDS * attempt)
        except BaseException:
            _rollback(con)
            raise
    raise TransientError(f"the lake commit conflicted {COMMIT_ATTEMPTS} times: too many writers at once")


def as_of(where: Warehouse, snapshot: int | None) -> Warehouse:
    """The warehouse as it was at a lake snapshot (time travel); the file, which keeps none, as it is."""
    if isinstance(where, Lake) and snapshot is not None:
        return replace(where, snapshot=snapshot)
    return where


def warehouse_exists(where: Warehouse) -> bool:
    """A file warehouse exists once written; a lake is assumed to (its catalogue answers on opening)."""
    return isinstance(where, Lake) or where.exists()


def machine_fault(exc: BaseException) -> duckdb.Error | None:
    """The DuckDB error behind `exc` that is the machine's fault (disk full, corrupt file), if any.

    Looks down the chain too: a failed COMMIT on a full disk surfaces as "cannot rollback" from the
    caller's ROLLBACK, with the disk error as its context.
    """
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, duckdb.Error) and (_CORRUPTION.search(str(seen)) or is_disk_full(seen)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def unusable_warehouse(path: Warehouse, exc: duckdb.Error) -> PipelineError:
    """The operator's line for a warehouse file DuckDB cannot read or write: disk full, or corrupt."""
    reason = str(exc).splitlines()[0]
    if is_disk_full(exc):
        return DiskFullError(
            f"{path}: no space left on the device for the warehouse ({reason}): free space on that disk, "
            "then run the same command again; the last committed state is intact and files not settled "
            "are taken again: nothing was lost"
        )
    if _NO_PERMISSION.search(reason):
        return WarehouseError(
            f"{path}: the warehouse file cannot be opened for writing ({reason}): a permission problem, "
            "not a damaged file. Give the user running tlkpi write access to it and its folder (check "
            "`ls -l` and `lsattr` for an immutable flag, or a read-only mount), then run the same command "
            "again; nothing was changed and the inbox is untouched"
        )
    return WarehouseError(
        f"{path}: the warehouse file cannot be read ({reason}). Nothing was changed and the inbox is "
        "untouched: restore the last backup into an empty data root (`tlkpi restore BACKUP`), or "
        "move the file aside and rebuild it from archive/, then run again"
    )


def connect(
    where: Warehouse, *, read_only: bool = False, wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse: a lake at once (readers never wait on it), the file waiting while another
    process holds it (DuckDB: one writer process).

    A wait is logged at once (INFO), as a WARNING once it lasts LOCK_BRIEF_SECONDS, then every
    LOCK_REPORT_SECONDS, with who holds the lock. Past `wait_seconds` the lock is a transient error:
    the Prefect task that asked retries later.
    """
    if isinstance(where, Lake):
        return lake_session(where, read_only=read_only)
    path = where
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise WarehouseError(f"{path}: no warehouse yet; run `tlkpi ingest` first")
    started = time.monotonic()
    next_report = started
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _LOCK_CONFLICT.search(str(exc)):
                raise unusable_warehouse(path, exc) from exc
            waited = time.monotonic() - started
            holder = lock_holder(str(exc))
            if waited >= wait_seconds:
                raise TransientError(
                    f"{path}: {holder} held the warehouse for {wait_seconds:g} s; close read sessions "
                    "(DuckDB CLI, notebooks) or wait for the run that writes, then run again"
                ) from exc
            if time.monotonic() >= next_report:
                brief = waited < LOCK_BRIEF_SECONDS
                logger.log(
                    logging.INFO if brief else logging.WARNING,
                    "Waiting for the warehouse %s: locked by %s; waited %.0f s of at most %.0f s",
                    path,
                    holder,
                    waited,
                    wait_seconds,
                )
                next_report = (
                    started + LOCK_BRIEF_SECONDS if brief else time.monotonic() + LOCK_REPORT_SECONDS
                )
            time.sleep(LOCK_POLL_SECONDS)
        except duckdb.Error as exc:
            raise unusable_warehouse(path, exc) from exc


def check_up_to_date(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> None:
    """A reader cannot migrate: say so plainly when the file is older than the code."""
    try:
        applied = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    except duckdb.CatalogException as exc:
        raise WarehouseError("no warehouse yet; run `tlkpi ingest` first") from exc
    missing = [path.name for version, path in list_migrations(directory) if version not in applied]
    if missing:
        raise WarehouseError(
            f"the warehouse lacks migrations {', '.join(missing)}: run a writer first "
            "(`tlkpi ingest` applies them), then read again"
        )


@contextmanager
def open_warehouse(
    where: Warehouse, *, read_only: bool = False, wait_seconds: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection on an up-to-date warehouse, closed on exit; a writer applies pending migrations."""
    con = connect(where, read_only=read_only, wait_seconds=wait_seconds)
    try:
        if (where, read_only) not in _UP_TO_DATE:
            if read_only:
                check_up_to_date(con)
            else:
                migrate(con)
            if isinstance(where, Lake):  # this process's code, checked once on this lake (a file: each time)
                _UP_TO_DATE.add((where, read_only))
        yield con
    except BaseException as exc:
        if isinstance(where, Lake):  # the next opening attaches and checks anew
            forget_lake(where)
            _UP_TO_DATE.difference_update({(where, True), (where, False)})
        fault = machine_fault(exc) if isinstance(exc, duckdb.Error) else None
        if fault is None:
            raise
        raise unusable_warehouse(where, fault) from exc
    finally:
        con.close()
