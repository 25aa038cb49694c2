"""A throwaway PostgreSQL cluster of Debian's server for the scale-out tests, started and torn down here.

The server refuses to run as root: as root the cluster belongs to the `postgres` user and is run with
`runuser`. Its folder is a fresh directory under /tmp that `postgres` can reach (pytest's tmp_path sits
in a 0700 folder of root). Without the server the tests skip, unless TLKPI_REQUIRE_POSTGRES=1 (set by
.ci/run): then they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.ports import free_port

DEBIAN_BINARIES = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class PostgresServer:
    """A running cluster on 127.0.0.1:port, superuser `postgres`, no password (trust, loopback only)."""

    port: int
    socket_dir: Path
    bin_dir: Path

    def conninfo(self, database: str) -> str:
        """A libpq connection string (DuckDB's postgres extension, psql)."""
        return f"dbname={database} host=127.0.0.1 port={self.port} user=postgres"

    def sqlalchemy_url(self, database: str) -> str:
        """The URL Prefect's server takes in PREFECT_API_DATABASE_CONNECTION_URL."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "tlkpi") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return name

    def psql(self, database: str, sql: str) -> str:
        command = [str(self.bin_dir / "psql"), "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql]
        command += ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", database]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


def find_bin_dir() -> Path | None:
    """The newest installed server's binaries (Debian puts them out of PATH)."""
    versions = sorted(DEBIAN_BINARIES.glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def skip_or_fail(reason: str) -> None:
    if os.environ.get("TLKPI_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (TLKPI_REQUIRE_POSTGRES=1: the scale-out tests must run)")
    pytest.skip(reason)


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Init a cluster, start it on loopback, yield it, stop it and remove its folder."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        skip_or_fail("PostgreSQL server not installed (`make test` installs Debian's postgresql as root)")
        raise AssertionError("unreachable")
    folder = Path(tempfile.mkdtemp(prefix="tlkpi-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
    server = PostgresServer(free_port(), sockets, bin_dir)
    options = f"-h 127.0.0.1 -p {server.port} -k {sockets} -c fsync=off -c max_connections=200"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        init = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]
        subprocess.run(_as_server_user(init), check=True, capture_output=True, timeout=120)
        start = [*pg_ctl, "-o", options, "-l", str(folder / "server.log"), "-w", "-t", "60", "start"]
        subprocess.run(_as_server_user(start), check=True, capture_output=True, timeout=90)
        yield server
    finally:
        stop = [*pg_ctl, "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_server_user(stop), capture_output=True, timeout=60, check=False)
        shutil.rmtree(folder, ignore_errors=True)
