"""Workers started at once on a new lake: the first attach creates DuckLake's catalogue tables in
PostgreSQL, and a second process creating them at the same moment must not fail its run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a real PostgreSQL catalogue, several processes
PROJECT = Path(__file__).resolve().parents[2]
PROCESSES = 6
ATTACH = """
import sys, time
sys.path.insert(0, {project!r})
from tlkpi.settings import Lake
from warehouse.dialect import attach_lake, current_snapshot
start = {start!r}
time.sleep(max(0.0, start - time.time()))
con = attach_lake(Lake({catalog!r}, {data_path!r}), read_only=False)
print(current_snapshot(con) >= 0)  # the lake answers: its catalogue is whole
"""


def test_workers_attaching_a_new_lake_at_the_same_moment_all_get_it(
    lake_catalog: str, tmp_path: Path
) -> None:
    # every process waits for the same instant after its imports, so their first attaches meet
    start = time.time() + 6.0
    code = ATTACH.format(
        project=str(PROJECT), start=start, catalog=lake_catalog, data_path=f"{tmp_path / 'lake-files'}/"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=os.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    results = [worker.communicate(timeout=120) for worker in workers]
    failed = [err[-1500:] for (out, err), w in zip(results, workers, strict=True) if w.returncode != 0]
    assert not failed, failed
    assert all(out.strip() == "True" for out, _ in results)
