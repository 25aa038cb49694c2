"""The process holding the warehouse is named as its user knows it, with its PID."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.lock_holder import HOLD_LOCK
from warehouse.db import connect
from warehouse.lock_holder import describe_command, describe_process, lock_holder


@pytest.mark.parametrize(
    ("argv", "described"),
    [
        (["/srv/tlkpi/.venv/bin/python3", "/srv/tlkpi/.venv/bin/tlkpi", "ingest", "--data-root", "var"], "`tlkpi ingest`"),
        (["/srv/tlkpi/.venv/bin/tlkpi", "quarter", "2025-T3"], "`tlkpi quarter`"),
        (["/srv/tlkpi/.venv/bin/python", "/srv/tlkpi/.venv/bin/tlkpi", "--help"], "`tlkpi`"),
        ([".venv/bin/duckdb", "-readonly", "var/warehouse/tlkpi.duckdb"], "the DuckDB CLI"),
        (["/usr/bin/python3", "-m", "prefect.engine"], "a Prefect flow run"),
        (["/srv/tlkpi/.venv/bin/python", "/srv/tlkpi/.venv/bin/prefect", "worker", "start", "--pool", "tlkpi"], "a Prefect worker"),
        (["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "kernel.json"], "a Jupyter notebook"),
        (["/usr/bin/python3", "analyse.py"], "`python analyse.py`"),
        (["/usr/bin/python3", "-m", "bench.cases", "national_plain"], "`python -m bench.cases`"),
        (["/usr/bin/python3", "-c", "import duckdb"], "a Python program"),
        (["/usr/bin/rsync", "-a", "var/", "backup/"], "`rsync`"),
    ],
)  # fmt: skip
def test_a_command_line_is_named_in_words(argv: list[str], described: str) -> None:
    assert describe_command(argv) == described


def test_a_running_process_is_named_with_its_pid() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"  # exec'd
        assert describe_process(child.pid) == f"a Python program (PID {child.pid})"
        message = (
            f'Could not set lock on file "x.duckdb": Conflicting lock is held in python3 (PID {child.pid})'
        )
        assert lock_holder(message) == f"a Python program (PID {child.pid})"
    finally:
        child.kill()
        child.wait()


def test_a_spawned_flow_run_is_named_after_its_parent(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    for pid, argv, parent in (
        (40, [".venv/bin/python", ".venv/bin/tlkpi", "serve"], 1),
        (41, ["python", "-c", "from multiprocessing.spawn import spawn_main; spawn_main()", "--multiprocessing-fork"], 40),
    ):  # fmt: skip
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "cmdline").write_bytes(b"\0".join(part.encode() for part in argv) + b"\0")
        (proc / str(pid) / "stat").write_text(f"{pid} (python (x)) S {parent} 1 1 0", encoding="utf-8")
    assert describe_process(41, proc) == "a flow run of `tlkpi serve` (PID 41)"
    assert describe_process(os.getpid() + 10**7, proc) == f"PID {os.getpid() + 10**7}"
    assert lock_holder("Conflicting lock is held") == "another process"


def test_a_brief_wait_for_the_warehouse_is_info_and_a_long_one_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two workers of one data root hand the file over many times a run: an operator sees a WARNING only
    when the wait lasts (a read session left open, a long run), and still an INFO line at once."""
    warehouse = tmp_path / "tlkpi.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(warehouse), "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with caplog.at_level(logging.INFO, logger="warehouse.db"):
            connect(warehouse).close()
    finally:
        holder.wait(timeout=60)
    waits = [(r.levelno, r.getMessage()) for r in caplog.records if r.getMessage().startswith("Waiting for")]
    assert waits[0][0] == logging.INFO and "waited 0 s" in waits[0][1], waits
    assert [level for level, _ in waits[1:]] == [logging.WARNING], waits
    assert all(f"PID {holder.pid}" in message for _, message in waits), waits
