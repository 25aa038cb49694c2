"""Giving claims up: put back the files of abandoned or stopped runs, drop the settled claims of a batch.

The counterpart of `intake.dropzone`'s claims; a file is either back in the inbox or safe in processing/.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from intake import reception
from intake.claim_owner import CLAIM_FILE, OWNER_FILE, own_claims
from intake.dropzone import SETTLED_DIR, Claim, read_claim_record
from intake.folder_faults import FolderFault, fault, is_folder_error


def release_stale_claims(
    inbox: Path,
    processing: Path,
    older_than_seconds: float,
    owner_is_gone: Callable[[Path], bool] | None = None,
    faults: list[FolderFault] | None = None,
) -> list[Path]:
    """Put back in the inbox the files of claims abandoned by a crashed run: at once when
    `owner_is_gone(work_dir)` says so, else once the claim is older than the timeout."""
    if not processing.is_dir():
        return []
    shutil.rmtree(processing / SETTLED_DIR, ignore_errors=True)  # left by a killed run: all settled
    released = []
    now = time.time()
    for work_dir in sorted(
        path for path in processing.iterdir() if path.is_dir() and path.name != SETTLED_DIR
    ):
        record = work_dir / CLAIM_FILE
        try:
            age = now - (record if record.exists() else work_dir).stat().st_mtime
        except FileNotFoundError:  # settled by its run while we looked
            continue
        if age < older_than_seconds and not (owner_is_gone and owner_is_gone(work_dir)):
            continue
        try:
            released += _release_claim(work_dir, record, inbox)
        except OSError as exc:  # its folder cannot take it back: the file stays safe in processing/
            if not is_folder_error(exc):
                raise
            found = fault(_claimed_relative(work_dir, record), "put back", exc)
            if faults is not None:
                faults.append(found)
    return released


def put_back_own_claims(inbox: Path, processing: Path) -> list[Path]:
    """A run that is stopped (SIGTERM, Ctrl-C) puts every file it claimed and did not settle back."""
    return release_stale_claims(inbox, processing, float("inf"), own_claims())


def _claimed_relative(work_dir: Path, record: Path) -> str:
    with contextlib.suppress(OSError, ValueError, TypeError):
        return read_claim_record(record.parent).relative
    return "."


def _release_claim(work_dir: Path, record: Path, inbox: Path) -> list[Path]:
    """Move a claim's file back to where it was dropped and drop the claim."""
    taken: Claim | None = None
    if record.exists():  # written before the move: the file may still be in the inbox (nothing to do)
        taken = read_claim_record(work_dir)
        relatives = [Path(taken.relative)] if Path(taken.path).exists() else []
    else:  # an earlier version's claim, its run dead between the move and the record: its only file
        relatives = [p.relative_to(work_dir) for p in work_dir.rglob("*") if p.is_file()]
        relatives = [r for r in relatives if r.as_posix() != OWNER_FILE]
    released = []
    for relative in relatives:
        back = inbox / relative
        back.parent.mkdir(parents=True, exist_ok=True)
        move_back(work_dir / relative, back)
        if taken is not None:
            _keep_reception(taken, back)
        released.append(back)
    shutil.rmtree(work_dir, ignore_errors=True)
    return released


def move_back(claimed: Path, back: Path) -> None:
    """Rename a claimed file back into the inbox. Its bytes may already be stored by a hard link
    (`intake.originals`): it then gets an inode of its own first, so the inbox never shares one with the
    archive (a writer there could change stored bytes, and the next claim would refuse a linked file)."""
    if os.lstat(claimed).st_nlink > 1:
        detached = claimed.with_name(f".{uuid.uuid4().hex}.detached")
        shutil.copyfile(claimed, detached)
        os.replace(detached, claimed)
    os.rename(claimed, back)


def release(taken: Claim) -> None:
    """The file is safe elsewhere (archive, rejected/, or already known): drop the claim and its sighting."""
    shutil.rmtree(taken.work_dir, ignore_errors=True)
    if taken.ledger:
        with reception.open_ledger(Path(taken.ledger)) as ledger:
            ledger.forget(taken.relative, taken.received_at)


def _keep_reception(taken: Claim, back: Path) -> None:
    """A file put back keeps its reception time: it was received then, whatever happened to its run."""
    if taken.ledger:
        with reception.open_ledger(Path(taken.ledger)) as ledger:
            ledger.restore(taken.relative, os.lstat(back), taken.received_at)


def release_all(claims: list[Claim], processing: Path) -> None:
    """Drop the settled claims of a batch in one go: each claim folder is set aside at once into
    processing/.settled/<batch>/ (a rename: never put back, never taken again), then the batch's folder
    is deleted whole. A folder left by a killed process is deleted by the next run."""
    settled = processing / SETTLED_DIR / uuid.uuid4().hex
    settled.mkdir(parents=True, exist_ok=True)
    sightings: dict[str, list[Claim]] = {}
    for taken in claims:
        if set_aside(taken, settled) and taken.ledger:
            sightings.setdefault(taken.ledger, []).append(taken)
    for ledger_path, taken_there in sightings.items():  # one ledger opening per folder
        with reception.open_ledger(Path(ledger_path)) as ledger:
            for taken in taken_there:
                ledger.forget(taken.relative, taken.received_at)
    shutil.rmtree(settled, ignore_errors=True)
    with contextlib.suppress(OSError):  # another run may be deleting its own batch there
        settled.parent.rmdir()


def set_aside(taken: Claim, settled: Path) -> bool:
    """Move a settled claim's folder out of the claims (dropped at once, sighting included, on another
    file system: then False)."""
    try:
        os.rename(taken.work_dir, settled / Path(taken.work_dir).name)
    except OSError:
        release(taken)
        return False
    return True


def put_back(taken: Claim, inbox: Path) -> Path | None:
    """Return a claimed, unsettled file to the inbox now (its run stopped on a fault of the machine);
    None when there is nothing to return, or its folder cannot take it (it stays safe in processing/,
    and a later run puts it back)."""
    source = Path(taken.path)
    if not source.exists():
        return None
    back = inbox / taken.relative
    try:
        back.parent.mkdir(parents=True, exist_ok=True)
        move_back(source, back)
    except OSError as exc:
        if not is_folder_error(exc):
            raise
        fault(taken.relative, "put back", exc)
        return None
    _keep_reception(taken, back)
    shutil.rmtree(taken.work_dir, ignore_errors=True)
    return back
