"""Reception order on the lake: a file received first and committed last by a slower worker never
supersedes the correction received after it, whatever the client's modification times say."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pipeline import TODAY, ingest_once, lake_settings

from tasks.discover import claim_files, discover_files
from tasks.load import load_files, sync_reference
from tasks.read import read_files
from tasks.validate import validate_files
from tests.support.inbox import HEADER
from warehouse.db import open_warehouse

pytestmark = pytest.mark.slow  # a real PostgreSQL catalogue and a lake
LONG_AGO = 1_500_000_000.0


def drop(inbox: Path, name: str, value: int, mtime: float) -> None:
    path = inbox / "010780195" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"010780195,UC05,EFF_DELAI_PEC,2025-07,pilote,{value},30\n", encoding="utf-8")
    os.utime(path, (mtime, mtime))


def test_a_slow_worker_committing_an_older_file_last_leaves_the_correction_current(
    tmp_path: Path, lake_catalog: str
) -> None:
    settings = lake_settings(tmp_path / "var", lake_catalog)
    sync_reference.fn(settings)
    drop(settings.inbox_dir, "envoi.csv", 70, mtime=LONG_AGO + 3600)  # received first
    slow = claim_files.fn(discover_files.fn(settings), settings)  # worker 1 claims it, then stalls
    drop(settings.inbox_dir, "correction.csv", 60, mtime=LONG_AGO)  # `cp -p`: an older mtime
    [fast] = ingest_once(settings)  # worker 2 takes the correction and commits first
    assert fast.verdict == "accepted"
    [late] = load_files.fn(
        slow, validate_files.fn(slow, read_files.fn(slow, settings), TODAY, settings), settings, None
    )
    assert late.verdict == "accepted" and late.superseded == 0
    with open_warehouse(settings.warehouse, read_only=True) as con:
        current = con.execute("SELECT value FROM measurement WHERE NOT superseded").fetchall()
    assert current == [(60.0,)]
