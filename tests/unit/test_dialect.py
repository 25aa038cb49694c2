"""The lake's dialect seam: the file's migrations without what a DuckLake lacks, and nothing else lost."""

from __future__ import annotations

import re

import duckdb
import pytest

from warehouse.db import list_migrations
from warehouse.dialect import statements_for_lake

LAKE_LACKS = re.compile(r"PRIMARY\s+KEY|UNIQUE|CHECK\s*\(|SEQUENCE|INDEX|nextval", re.I)


@pytest.mark.parametrize("path", [path for _, path in list_migrations()], ids=lambda p: p.name)
def test_every_migration_runs_on_a_lake_without_keys_checks_sequences_or_indexes(path) -> None:  # type: ignore[no-untyped-def]
    statements = statements_for_lake(path.read_text(encoding="utf-8"))
    assert not [s for s in statements if LAKE_LACKS.search(s)]


def test_the_same_columns_types_and_not_null_remain() -> None:
    sql = """
    -- a comment; with a semicolon
    CREATE SEQUENCE s START 1;
    CREATE TABLE t (
        id INTEGER PRIMARY KEY DEFAULT nextval('s'),
        code VARCHAR NOT NULL UNIQUE,
        phase VARCHAR NOT NULL CHECK (phase IN ('reference', lower('PILOTE'))),
        seen TIMESTAMP NOT NULL DEFAULT current_timestamp,
        PRIMARY KEY (code, phase)
    );
    CREATE INDEX t_code ON t (code);
    INSERT INTO t (id, code, phase) VALUES (1, 'a', 'pilote');
    """
    con = duckdb.connect()
    for statement in statements_for_lake(sql):
        con.execute(statement)
    columns = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 't'"
    ).fetchall()
    assert columns == [
        ("id", "INTEGER", "YES"),
        ("code", "VARCHAR", "NO"),
        ("phase", "VARCHAR", "NO"),
        ("seen", "TIMESTAMP", "NO"),
    ]
    assert con.execute("SELECT id, code, phase FROM t").fetchall() == [(1, "a", "pilote")]
    assert con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type <> 'NOT NULL'"
    ).fetchone() == (0,)
