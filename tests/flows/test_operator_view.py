"""What an analyst sees of a run in Prefect: its logs explain a wait; a quarter with nothing new writes
nothing and records nothing; a quarter that has not ended is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
from prefect.logging.handlers import APILogHandler

from flows.ingest import ingest
from flows.quarter import quarter
from schemas.periods import Period
from tests.support.inbox import delay_file, drop_file
from tests.support.lock_holder import HOLD_LOCK
from tlkpi.errors import OperatorError, WarehouseError

SITES = ("010780195", "010780906", "980600027")


def drop(root: Path, finess: str, value: int) -> None:
    drop_file(root / "inbox", finess, "kpi.csv", delay_file(finess, value + 15, value))


def run_logs(flow_run_id: UUID) -> list[str]:
    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
    return [log.message for log in logs]


def artifact_keys(flow_run_id: UUID) -> list[str | None]:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return [artifact.key for artifact in artifacts]


def test_a_lock_wait_is_in_the_run_log_with_who_holds_the_lock(tmp_path: Path) -> None:
    root = tmp_path / "var"
    drop(root, SITES[0], 40)
    warehouse = root / "warehouse" / "tlkpi.duckdb"
    warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(warehouse), "10"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        state = ingest(str(root), return_state=True)
    finally:
        holder.wait(timeout=60)
    assert state.is_completed()
    assert [o.verdict for o in state.result()] == ["accepted"]
    messages = run_logs(state.state_details.flow_run_id)
    waits = [m for m in messages if m.startswith("Waiting for the warehouse")]
    assert waits, messages
    assert f"PID {holder.pid}" in waits[0] and "at most 600 s" in waits[0]
    assert any(m.startswith("Verdicts: 1 accepted") for m in messages), messages
    assert any(m.startswith("loading into the warehouse: done in") for m in messages), messages


def test_nothing_new_writes_no_file_and_records_no_artifact(tmp_path: Path) -> None:
    root = tmp_path / "var"
    for number, finess in enumerate(SITES):
        drop(root, finess, 40 + number)
    ingest(str(root))
    first = quarter("2025-T3", str(root), return_state=True)
    assert first.is_completed() and first.result().summary.created
    assert artifact_keys(first.state_details.flow_run_id), "a new edition records its artifacts"
    site = root / "site" / "2025-T3"
    written = {path: path.stat().st_mtime_ns for path in site.rglob("*")}

    again = quarter("2025-T3", str(root), return_state=True)
    publication = again.result()
    assert (publication.summary.created, publication.unchanged) == (False, True)
    assert {path: path.stat().st_mtime_ns for path in site.rglob("*")} == written
    assert artifact_keys(again.state_details.flow_run_id) == []
    assert any("nothing new since edition 1" in m for m in run_logs(again.state_details.flow_run_id))

    (site / "data" / "benchmark.csv").write_text("altered\n", encoding="utf-8")  # a half-copied site
    repaired = quarter("2025-T3", str(root)).summary
    assert not repaired.created
    assert (site / "data" / "benchmark.csv").read_bytes() != b"altered\n"
    assert {path for path in site.rglob("*")} == set(written)


def test_a_quarter_that_has_not_ended_fails_the_run_with_the_reason(tmp_path: Path) -> None:
    today = date.today()
    current = Period(today.year, (today.month - 1) // 3 + 1).label
    with pytest.raises(OperatorError, match=f"{current} has not ended"):
        quarter(current, str(tmp_path / "var"))
    assert not (tmp_path / "var" / "site").exists()


def test_a_corrupt_warehouse_fails_the_ingest_run_with_the_operator_line(tmp_path: Path) -> None:
    """The flow's own answer when the warehouse is damaged under a run (`tlkpi ingest` refuses one
    before starting a flow, tests/e2e/test_operator_faults.py; a served or scheduled run meets it here)."""
    root = tmp_path / "var"
    drop(root, SITES[0], 40)
    ingest(str(root))
    drop(root, SITES[1], 41)
    warehouse = root / "warehouse" / "tlkpi.duckdb"
    with warehouse.open("r+b") as handle:
        handle.write(os.urandom(64 * 1024))
    state = ingest(str(root), return_state=True)
    assert state.is_failed()
    with pytest.raises(WarehouseError, match="cannot be read"):
        state.result()
    assert [path.parent.name for path in (root / "inbox").rglob("*.csv")] == [SITES[1]]
    assert not list((root / "processing").rglob("*.csv"))
