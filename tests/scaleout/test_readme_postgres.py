"""README's PostgreSQL set-up (steps 1–3 of "Past one machine"), run as written, as root, against a
throwaway cluster: the cluster answers (so it is not started again), the role and both databases are
created, and the file warehouse is copied into the lake whose catalogue is that cluster."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from pg_cluster import PostgresServer

from schemas.catalogue import default_catalogue
from tlkpi.settings import Lake
from warehouse.db import open_warehouse
from warehouse.dialect import attach_lake
from warehouse.reference import sync_catalogue

PROJECT = Path(__file__).resolve().parents[2]
MARK = "<!-- docs-test: skip (tests/scaleout/test_readme_postgres.py runs it as written on a throwaway cluster) -->"


def readme_block() -> str:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(MARK) + len(MARK) :]
    match = re.match(r"\s*```bash\n(.*?)^```", after, re.DOTALL | re.MULTILINE)
    assert match is not None, "README: no bash block after the PostgreSQL mark"
    return match[1]


@pytest.mark.skipif(os.geteuid() != 0, reason="the block runs `runuser` as root (CI runs as root)")
def test_the_readme_postgres_block_runs_as_written(postgres_server: PostgresServer, tmp_path: Path) -> None:
    root = tmp_path / "var"
    with open_warehouse(root / "warehouse" / "tlkpi.duckdb") as con:  # the file warehouse of step 3
        sync_catalogue(con, default_catalogue())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "TLKPI_", "PG"))}
    env |= {
        "PGHOST": "127.0.0.1",
        "PGPORT": str(postgres_server.port),
        "TLKPI_DATA_ROOT": str(root),
        "TLKPI_LAKE_DATA_PATH": f"{tmp_path / 'lake'}/",
        "PATH": f"{env.get('PATH', '/usr/bin:/bin')}:/usr/sbin:/sbin",
    }
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_block()],
        cwd=PROJECT, env=env, input="a passphrase\na passphrase\n", capture_output=True, text=True,
        timeout=600, check=False, start_new_session=True,  # no terminal: the password prompt reads stdin
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "copied into the lake" in done.stdout, done.stdout
    roles = postgres_server.psql("postgres", "SELECT rolname FROM pg_roles WHERE rolname = 'tlkpi'")
    owners = postgres_server.psql(
        "postgres",
        "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname IN ('prefect', 'tlkpi_lake') "
        "ORDER BY datname",
    )
    assert roles.split() == ["tlkpi"]
    assert owners.split() == ["prefect|tlkpi", "tlkpi_lake|tlkpi"]
    lake = attach_lake(Lake(postgres_server.conninfo("tlkpi_lake"), f"{tmp_path / 'lake'}/"), read_only=True)
    assert lake.execute("SELECT count(*) FROM kpi").fetchall() == [(len(default_catalogue().kpis),)]
