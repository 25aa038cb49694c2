"""The drop zone: find files in the inbox, claim them atomically, archive or reject them, never lose one.

A claim is an atomic rename of `inbox/<rel>` to `processing/<token>/<rel>`: two runs never hold the
same file, and a crash leaves it either in the inbox or in processing/, from where it is put back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from schemas.finess import has_valid_format
from tlkpi.errors import StorageError

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")
CLAIM_FILE = "claim.json"


@dataclass(frozen=True)
class Claim:
    """A file taken out of the inbox for processing."""

    path: str  # the claimed file, under processing/<token>/
    work_dir: str  # processing/<token>/: the claim's scratch space
    relative: str  # path relative to the inbox, as it was dropped (posix)
    inbox_finess: str | None  # the establishment folder it was dropped in, if any
    sha256: str
    received_at: str  # ISO time the file was last written in the inbox

    @property
    def name(self) -> str:
        return Path(self.relative).name


def is_candidate(path: Path) -> bool:
    """Regular, visible, complete files only: no symlink, no `.part`, no Office lock file `~$…`."""
    name = path.name
    if name.startswith((".", "~$")) or name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    return path.is_file() and not path.is_symlink()


def discover(inbox: Path) -> list[Path]:
    """Files waiting in the inbox, oldest first then by name, skipping hidden folders.

    Another run may claim a file while we look: a file that vanishes is simply not listed.
    """
    if not inbox.is_dir():
        return []
    found: list[tuple[float, str, Path]] = []
    for root, dirs, files in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            try:
                if is_candidate(path):
                    found.append((path.stat().st_mtime, path.as_posix(), path))
            except FileNotFoundError:
                continue
    return [path for _, _, path in sorted(found)]


def folder_finess(relative: Path) -> str | None:
    """`<FINESS>/file.csv` -> the FINESS of the folder; a file straight in inbox/ has none."""
    if len(relative.parts) < 2:
        return None
    folder = relative.parts[0].upper()
    return folder if has_valid_format(folder) else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def claim(path: Path, inbox: Path, processing: Path) -> Claim | None:
    """Move the file under processing/ atomically; None when another run took it first."""
    relative = path.relative_to(inbox)
    work_dir = processing / uuid.uuid4().hex
    target = work_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        os.rename(path, target)
    except FileNotFoundError:
        shutil.rmtree(work_dir, ignore_errors=True)
        return None
    taken = Claim(
        path=str(target),
        work_dir=str(work_dir),
        relative=relative.as_posix(),
        inbox_finess=folder_finess(relative),
        sha256=file_sha256(target),
        received_at=received.isoformat(timespec="seconds"),
    )
    try:
        (work_dir / CLAIM_FILE).write_text(json.dumps(asdict(taken)), encoding="utf-8")
    except OSError:  # a full disk: without its record the claim could never be released; undo it
        os.rename(target, path)
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    return taken


def release_stale_claims(inbox: Path, processing: Path, older_than_seconds: float) -> list[Path]:
    """Put back in the inbox the files of claims abandoned by a crashed run."""
    if not processing.is_dir():
        return []
    released = []
    now = time.time()
    for record in sorted(processing.glob(f"*/{CLAIM_FILE}")):
        if now - record.stat().st_mtime < older_than_seconds:
            continue
        taken = Claim(**json.loads(record.read_text(encoding="utf-8")))
        if Path(taken.path).exists():
            back = inbox / taken.relative
            back.parent.mkdir(parents=True, exist_ok=True)
            os.rename(taken.path, back)
            released.append(back)
        shutil.rmtree(taken.work_dir, ignore_errors=True)
    return released


def _copy_once(source: Path, target: Path) -> None:
    """Copy through a temporary name then rename, so a target is complete or absent.

    A store that cannot be written (full, read-only) is a transient error: the file stays claimed,
    the task is retried, and a later run takes the file again.
    """
    if target.exists():
        return
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StorageError(
            f"cannot store {source.name} in {target.parent}: {exc.strerror or exc}; the file stays "
            f"claimed in {source.parent} and will be taken again"
        ) from exc


def archive(taken: Claim, archive_dir: Path) -> Path:
    """Keep an accepted original by content hash; an archived file is never rewritten."""
    suffix = Path(taken.relative).suffix.lower()
    target = archive_dir / taken.sha256[:2] / f"{taken.sha256}{suffix}"
    _copy_once(Path(taken.path), target)
    return target


def rejected_location(taken: Claim, rejected_dir: Path) -> Path:
    """Where a rejected original goes: by establishment, prefixed with its hash."""
    folder = taken.inbox_finess or "_inbox"
    return rejected_dir / folder / f"{taken.sha256[:12]}_{taken.name}"


def keep_rejected(taken: Claim, rejected_dir: Path, report_html: str) -> Path:
    """Keep a rejected original with its French report beside it (`<file>.rapport.html`)."""
    target = rejected_location(taken, rejected_dir)
    _copy_once(Path(taken.path), target)
    report = target.with_name(f"{target.name}.rapport.html")
    temporary = report.with_name(f".{report.name}.part")
    try:
        temporary.write_text(report_html, encoding="utf-8")
        os.replace(temporary, report)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StorageError(f"cannot write the report of {taken.name} in {report.parent}: {exc}") from exc
    return target


def release(taken: Claim) -> None:
    """The file is safe elsewhere (archive, rejected/, or already known): drop the claim."""
    shutil.rmtree(taken.work_dir, ignore_errors=True)


def put_back(taken: Claim, inbox: Path) -> Path | None:
    """Return a claimed, unsettled file to the inbox now (its run stopped on a fault of the machine)."""
    source = Path(taken.path)
    if not source.exists():
        return None
    back = inbox / taken.relative
    back.parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, back)
    shutil.rmtree(taken.work_dir, ignore_errors=True)
    return back
