"""The fixture's server is a real PostgreSQL that keeps what it is given."""

from __future__ import annotations

from pg_cluster import PostgresServer


def test_a_database_of_the_throwaway_cluster_stores_and_returns_rows(postgres_server: PostgresServer) -> None:
    database = postgres_server.create_database()
    postgres_server.psql(database, "CREATE TABLE t (v integer); INSERT INTO t VALUES (41), (1)")
    assert postgres_server.psql(database, "SELECT sum(v) FROM t").strip() == "42"
    assert postgres_server.psql(database, "SHOW server_version").split(".")[0].isdigit()
