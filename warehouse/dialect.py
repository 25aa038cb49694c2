"""The thin seam between the two backends: what a DuckLake needs that the DuckDB file does not.

A lake has no sequences, indexes, primary keys, unique or check constraints. The numbered migrations
are written for the file and run unchanged there; on a lake each statement is run without those
clauses. The code never relies on them: ids come from `id_block` (warehouse/ids.py), keys are kept
unique by the loads, and values are checked before they reach the warehouse.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from importlib import resources

import duckdb

from tlkpi.settings import Lake

EXTENSIONS = ("postgres", "ducklake", "httpfs")
LAKE_ALIAS = "lake"
# a new lake attached by several workers at once: the ones that lose the catalogue's creation try again
FIRST_ATTACH_ATTEMPTS = 5
FIRST_ATTACH_RETRY_SECONDS = 0.2

_COMMENT = re.compile(r"--[^\n]*")
_LAKE_LACKS = re.compile(
    r"^\s*(CREATE\s+(UNIQUE\s+)?INDEX|CREATE\s+SEQUENCE|DROP\s+(INDEX|SEQUENCE))\b", re.I
)
_TABLE_KEY = re.compile(r",\s*(PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)", re.I)
_COLUMN_KEY = re.compile(r"\s+(PRIMARY\s+KEY|UNIQUE)\b", re.I)
_NEXTVAL = re.compile(r"\s+DEFAULT\s+nextval\s*\(\s*'[^']*'\s*\)", re.I)
_CHECK = re.compile(r"\s+CHECK\s*\(", re.I)


def statements_for_lake(sql: str) -> list[str]:
    """The statements of a migration as a lake runs them (see the module's docstring)."""
    kept = []
    for statement in duckdb.extract_statements(sql):
        text = _COMMENT.sub("", statement.query).strip()
        if not text or _LAKE_LACKS.match(text):
            continue
        text = _TABLE_KEY.sub("", text)
        text = _NEXTVAL.sub("", _COLUMN_KEY.sub("", text))
        kept.append(_drop_checks(text))
    return kept


def _drop_checks(text: str) -> str:
    """Remove every `CHECK (...)` clause, parentheses balanced."""
    while match := _CHECK.search(text):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            end += 1
        text = text[: match.start()] + text[end:]
    return text


def extension_file(name: str) -> str:
    """The extension shipped by the `duckdb-extension-<name>` package for this DuckDB version."""
    package = resources.files(f"duckdb_extension_{name}")
    found = package / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    return str(found)


# One attached lake per process, settings and mode: each opening is a cursor on it. Attaching loaded
# two extensions and read the catalogue from PostgreSQL (~0.1 s, a third of a lake worker's time at
# three openings a batch). A fork gets no DuckDB of its parent's: the pid says whose they are.
_ATTACHED: dict[tuple[Lake, bool], duckdb.DuckDBPyConnection] = {}
_ATTACHED_BY = os.getpid()
_INHERITED: list[duckdb.DuckDBPyConnection] = []


def lake_session(lake: Lake, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection of its own on the lake (closing it leaves the process's attachment for the next)."""
    global _ATTACHED_BY
    if os.getpid() != _ATTACHED_BY:  # the parent's, copied by a fork: never used, nor closed, here
        _INHERITED.extend(_ATTACHED.values())
        _ATTACHED.clear()
        _ATTACHED_BY = os.getpid()
    key = (lake, read_only)
    if key not in _ATTACHED:
        _ATTACHED[key] = attach_lake(lake, read_only=read_only)
    session = _ATTACHED[key].cursor()
    try:
        session.execute(f"USE {LAKE_ALIAS}")
    except duckdb.Error:
        session.close()
        forget_lake(lake)
        raise
    return session


def forget_lake(lake: Lake) -> None:
    """Detach this process from the lake (after an error: the next opening attaches anew)."""
    for key in [key for key in _ATTACHED if key[0] == lake]:
        with contextlib.suppress(duckdb.Error):
            _ATTACHED.pop(key).close()


def attach_lake(lake: Lake, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached and in use; extensions come from the installed
    packages, never downloaded.

    The first attach of a new lake creates DuckLake's tables in the catalogue. Two workers started at
    once both try; PostgreSQL lets one create them and fails the other ("already exists"), which then
    attaches again to the catalogue the first one made.
    """
    for attempt in range(1, FIRST_ATTACH_ATTEMPTS):
        try:
            return _attach_lake(lake, read_only=read_only)
        except duckdb.Error as exc:
            if "already exists" not in str(exc):
                raise
            time.sleep(FIRST_ATTACH_RETRY_SECONDS * attempt)
    return _attach_lake(lake, read_only=read_only)  # the last attempt raises what it meets


def _attach_lake(lake: Lake, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for name in EXTENSIONS if lake.data_path.startswith("s3://") else EXTENSIONS[:2]:
        con.execute(f"INSTALL '{extension_file(name)}'")  # a path of the installed package, not user data
        con.execute(f"LOAD {name}")
    # ATTACH takes no parameters: the operator's settings are quoted as SQL literals
    options = [f"DATA_PATH {_literal(lake.data_path)}"]
    if lake.snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(lake.snapshot)}")
    if read_only:
        options.append("READ_ONLY")
    source = _literal(f"ducklake:postgres:{lake.catalog}")
    try:
        con.execute(f"ATTACH {source} AS {LAKE_ALIAS} ({', '.join(options)})")
    except duckdb.Error:
        con.close()
        raise
    con.execute(f"USE {LAKE_ALIAS}")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The lake snapshot this connection reads."""
    row = con.execute(f"SELECT id FROM {LAKE_ALIAS}.current_snapshot()").fetchone()
    assert row is not None
    return int(row[0])
