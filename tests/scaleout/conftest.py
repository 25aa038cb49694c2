"""Real servers for the scale-out tests: one PostgreSQL cluster per session, one database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pg_cluster import PostgresServer, running_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def lake_catalog(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for a DuckLake catalogue, as a libpq connection string."""
    return postgres_server.conninfo(postgres_server.create_database("lake"))
