"""A run that claims its files in batches (`ingest_batch_files`, as ingest workers on a lake do)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from intake.run import ingest_inbox, local_steps
from tests.support.inbox import drop_numbered_files
from tlkpi.settings import Settings


def test_a_run_in_batches_looks_at_the_inbox_once_per_round_and_takes_a_late_file_last(
    tmp_path: Path,
) -> None:
    """One look at the inbox serves every batch it found (a look records a sighting of every file under
    the reception ledger's lock: once per batch, concurrent workers queued on it); a file dropped
    during the run is seen at the next look and, received later, comes after the others."""
    root = tmp_path / "var"
    drop_numbered_files(root / "inbox", 12)
    settings = Settings(data_root=root, ingest_batch_files=5, settle_seconds=0)
    steps = local_steps()
    looks: list[int] = []
    batches: list[int] = []

    def discover(settings: Settings) -> list[str]:
        found = steps.discover(settings)
        looks.append(len(found))
        return found

    def read(claims, settings):  # type: ignore[no-untyped-def]
        if not batches:  # while the first batch is read, a 13th file arrives
            drop_numbered_files(root / "inbox", 1, first=100)
        batches.append(len(claims))
        return steps.read(claims, settings)

    outcomes = ingest_inbox(settings, date(2026, 11, 22), steps=steps._replace(discover=discover, read=read))

    assert looks == [12, 1, 0]  # the first look, the late file's, and the one that finds the inbox empty
    assert batches == [5, 5, 2, 1]
    assert [outcome.verdict for outcome in outcomes] == ["accepted"] * 13
    assert [outcome.file for outcome in outcomes][-1].endswith("kpi_0100.csv")
    assert list((root / "inbox").rglob("*.csv")) == []
