"""Faults a national service meets at night: a killed process, two runs at once, a full disk."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from prefect.states import Failed

from intake import claim_release, dropzone, originals
from tasks.retry import retry_if_transient
from tests.support.inbox import drop_numbered_files
from tlkpi.errors import StorageError, SubmissionError, TransientError
from tlkpi.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]

# The ingest flow's steps without the Prefect API (`ingest_inbox`), in a child process.
INGEST_ONCE = """
import os, signal, sys
from datetime import date
from pathlib import Path
sys.path.insert(0, {project!r})
from tlkpi.settings import Settings
from intake.run import ingest_inbox
{fault}
settings = Settings(data_root=Path({root!r}), claim_timeout_seconds={timeout})
outcomes = ingest_inbox(settings, date(2026, 11, 22))
print(len(outcomes))
"""
# SIGKILL the process the n-th time `module.function` is called, after it ran (None: before).
KILL_ON = """
import importlib
_module = importlib.import_module({module!r})
_real = getattr(_module, {function!r})
_calls = [0]
def _killing(*args, **kwargs):
    _calls[0] += 1
    if _calls[0] == {nth}:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real(*args, **kwargs)
setattr(_module, {function!r}, _killing)
"""


def drop_files(root: Path, count: int) -> int:
    """`count` distinct accepted files, spread over four establishments; returns the rows written."""
    return drop_numbered_files(root / "inbox", count)


def run_ingest(root: Path, fault: str = "") -> subprocess.CompletedProcess[str]:
    """One run, with the default claim timeout of an hour: a claim left by a dead run is taken back at
    once because its owner is gone, not because it is old."""
    code = INGEST_ONCE.format(project=str(PROJECT), root=str(root), fault=fault, timeout=3600)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )


def warehouse_counts(root: Path) -> tuple[int, int, int]:
    with duckdb.connect(str(root / "warehouse" / "tlkpi.duckdb"), read_only=True) as con:
        row = con.execute(
            """SELECT (SELECT count(*) FROM submission),
                      (SELECT count(DISTINCT sha256) FROM submission),
                      (SELECT count(*) FROM measurement)"""
        ).fetchone()
    assert row is not None
    return row


def assert_every_file_once(root: Path, files: int, rows: int) -> None:
    assert warehouse_counts(root) == (files, files, rows)
    assert list((root / "inbox").rglob("*.csv")) == []
    assert list((root / "processing").iterdir()) == []
    assert len(list((root / "archive").rglob("*.csv"))) == files


@pytest.mark.parametrize(
    ("module", "function", "nth"),
    [
        ("warehouse.load", "_record_measurements", 1),  # inside the batch's transaction, before COMMIT
        ("intake.claim_release", "set_aside", 3),  # after the batch's COMMIT, before the 3rd claim is dropped
        ("intake.originals", "archive", 2),  # while storing the 2nd original
    ],
    ids=["in-transaction", "after-commit", "while-archiving"],
)
def test_kill_9_then_rerun_processes_every_file_exactly_once(
    tmp_path: Path, module: str, function: str, nth: int
) -> None:
    root = tmp_path / "var"
    rows = drop_files(root, 6)
    killed = run_ingest(root, KILL_ON.format(module=module, function=function, nth=nth))
    assert killed.returncode == -9, killed.stderr
    assert len(list((root / "processing").rglob("*.csv"))) >= 1, "the interrupted files stay claimed"

    rerun = run_ingest(root)
    assert rerun.returncode == 0, rerun.stderr
    assert_every_file_once(root, 6, rows)


def test_two_ingest_processes_at_once_process_each_file_once(tmp_path: Path) -> None:
    root = tmp_path / "var"
    rows = drop_files(root, 200)
    code = INGEST_ONCE.format(project=str(PROJECT), root=str(root), fault="", timeout=3600)
    first, second = (
        subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    )
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), [err[-3000:] for _, err in outputs]
    assert sum(int(out.strip().splitlines()[-1]) for out, _ in outputs) == 200
    assert_every_file_once(root, 200, rows)


def test_a_full_archive_is_a_clear_transient_error_and_the_file_stays_claimable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_root=tmp_path / "var")
    drop_files(settings.root, 1)
    [path] = dropzone.discover(settings.inbox_dir)
    claim = dropzone.claim(path, settings.inbox_dir, settings.processing_dir)
    assert claim is not None

    def disk_full(source: str, target: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", disk_full)
    monkeypatch.setattr(os, "link", disk_full)  # the archive links when it can, else copies
    with pytest.raises(StorageError, match=r"No space left on device.*stays claimed"):
        originals.archive(claim, settings.archive_dir)
    assert Path(claim.path).exists()
    assert [p for p in settings.archive_dir.rglob("*") if not p.is_dir()] == []  # nothing half stored
    released = claim_release.release_stale_claims(
        settings.inbox_dir, settings.processing_dir, older_than_seconds=-1
    )
    assert released == [path]


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (TransientError("warehouse locked"), True),
        (StorageError("disk full"), True),
        (SubmissionError("valeur hors plage"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_transient_errors_are_retried(error: Exception, retried: bool) -> None:
    assert retry_if_transient(None, None, Failed(data=error)) is retried


def test_a_disk_full_after_the_commit_still_ends_in_the_accepted_receipt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warehouse took a correction, then the disk filled before its receipt: the run stops with the
    file back in the inbox. The next run recognises its own drop and writes the receipt a run without
    the fault writes (« accepté », loaded, superseded), not « identique à la soumission n°2 »."""
    from intake import submissions
    from intake.receipts import read_receipts
    from tests.integration.portal_client import A, drop_file, good_csv, ingest_inbox

    told = {}
    for fault in (False, True):
        settings = Settings(data_root=tmp_path / f"var-{fault}", settle_seconds=0)
        drop_file(settings, A, "indicateurs.csv", good_csv(A))
        ingest_inbox(settings)
        drop_file(settings, A, "correction.csv", good_csv(A).replace(b"pilote;40", b"pilote;41"))
        if fault:
            real = submissions.write_receipt_of

            def disk_full(*args, **kwargs):  # type: ignore[no-untyped-def]
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(submissions, "write_receipt_of", disk_full)
            with pytest.raises(Exception, match="No space left"):
                ingest_inbox(settings)
            assert [r["file"] for r in read_receipts(settings.outbox_dir, A)] == ["indicateurs.csv"]
            monkeypatch.setattr(submissions, "write_receipt_of", real)
        [outcome] = ingest_inbox(settings)
        receipt = next(r for r in read_receipts(settings.outbox_dir, A) if r["file"] == "correction.csv")
        said = tuple(receipt[k] for k in ("verdict", "rows", "loaded", "superseded", "note"))
        told[fault] = (outcome.verdict, outcome.loaded, outcome.superseded, *said)
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM submission").fetchone() == (2,)
    assert told[True] == told[False]
    verdict, loaded, superseded = told[True][:3]
    assert verdict == "accepted" and loaded == superseded > 0  # the correction replaced every value


def test_a_file_put_back_after_its_archiving_shares_no_bytes_with_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive takes an accepted file by a hard link to the claimed copy. When the run then stops on
    a full disk, the file goes back to the inbox with an inode of its own: a writer there cannot change
    the archived bytes (no shared inode), and the next run does not refuse it as a linked file."""
    from datetime import date

    from intake import submissions
    from intake.run import ingest_inbox

    settings = Settings(data_root=tmp_path / "var", settle_seconds=0)
    drop_files(settings.root, 1)
    [dropped] = settings.inbox_dir.rglob("*.csv")
    sent = dropped.read_bytes()

    def disk_full(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    real = submissions.write_receipt_of
    monkeypatch.setattr(submissions, "write_receipt_of", disk_full)
    with pytest.raises(Exception, match="No space left"):
        ingest_inbox(settings, date(2026, 11, 22))
    [back] = settings.inbox_dir.rglob("*.csv")
    [stored] = settings.archive_dir.rglob("*.csv")
    assert (back.stat().st_nlink, stored.stat().st_nlink) == (1, 1)
    assert back.stat().st_ino != stored.stat().st_ino
    assert stored.read_bytes() == sent
    monkeypatch.setattr(submissions, "write_receipt_of", real)
    [outcome] = ingest_inbox(settings, date(2026, 11, 22))
    assert outcome.verdict == "accepted"  # recognised as the drop the stopped run recorded
