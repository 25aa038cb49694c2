"""A Prefect home whose SQLite database is already migrated, for the tests that start a server or a command
in a home of their own.

A fresh home's first server start runs Prefect's migrations: about 7 s of CPU and of wall time each
(11.7 s to healthy against 4.3 s with a migrated database, measured on a quiet 2-core machine). The
database is migrated once per Prefect version by Prefect's own `prefect server database upgrade`, kept
under .cache/, and copied into each new home. The cold path, an empty home migrated at the first start
as on a new operator's machine, stays tested: `make demo` in tests/e2e/test_docs_run.py and the
temporary API of a cold `tlkpi ingest` in tests/hostile/test_stops.py (its SIGTERM case) start from nothing.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tlkpi.files import exclusive_lock

PROJECT = Path(__file__).resolve().parents[2]
PREFECT = str(PROJECT / ".venv" / "bin" / "prefect")


def migrated_database() -> Path:
    """The migrated database of the installed Prefect, made once (processes take turns on a lock)."""
    folder = PROJECT / ".cache" / "prefect-database" / importlib.metadata.version("prefect")
    database = folder / "prefect.db"
    with exclusive_lock(folder / ".lock"):
        if not database.exists():
            with tempfile.TemporaryDirectory(dir=folder) as home:
                env = {
                    k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_HOME"))
                }
                subprocess.run(
                    [PREFECT, "server", "database", "upgrade", "-y"],
                    env=env | {"PREFECT_HOME": home}, check=True, capture_output=True, timeout=300,
                )  # fmt: skip
                Path(home, "prefect.db").rename(database)
    return database


def migrated_home(home: Path) -> Path:
    """`home`, made if missing, holding a copy of the migrated database (unless it has one already)."""
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "prefect.db").exists():
        shutil.copyfile(migrated_database(), home / "prefect.db")
    return home
