"""Open the DuckDB warehouse and bring it to the latest schema with the numbered .sql migrations."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tlkpi.errors import TransientError, WarehouseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LOCK_WAIT_SECONDS = 600.0  # a run of the national inbox holds the writer lock for minutes, not hours
LOCK_POLL_SECONDS = 0.25
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


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their names."""
    con.execute(_MIGRATION_TABLE)
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    done = []
    for version, path in list_migrations(directory):
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migration (version, name) VALUES (?, ?)", [version, path.name])
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        done.append(path.name)
    return done


def connect(
    path: Path, *, read_only: bool = False, wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, waiting while another process holds it (DuckDB: one writer process).

    Past `wait_seconds` the lock is a transient error: the Prefect task that asked retries later.
    """
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise WarehouseError(f"{path}: no warehouse yet; run `tlkpi ingest` first")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise TransientError(
                    f"{path}: another process held the warehouse for {wait_seconds:g} s"
                ) from exc
            time.sleep(LOCK_POLL_SECONDS)


def check_up_to_date(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> None:
    """A reader cannot migrate: say so plainly when the file is older than the code."""
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migration").fetchall()}
    missing = [path.name for version, path in list_migrations(directory) if version not in applied]
    if missing:
        raise WarehouseError(
            f"the warehouse lacks migrations {', '.join(missing)}: run a writer first "
            "(`tlkpi ingest` applies them), then read again"
        )


@contextmanager
def open_warehouse(
    path: Path, *, read_only: bool = False, wait_seconds: float = LOCK_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection on an up-to-date warehouse, closed on exit; a writer applies pending migrations."""
    con = connect(path, read_only=read_only, wait_seconds=wait_seconds)
    try:
        if read_only:
            check_up_to_date(con)
        else:
            migrate(con)
        yield con
    finally:
        con.close()
