"""The drop zone: find files in the inbox, claim them atomically, archive or reject them, never lose one.

A claim is an atomic rename of `inbox/<rel>` to `processing/<token>/<rel>`: two runs never hold the
same file, and a crash leaves it either in the inbox or in processing/, from where it is put back.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from intake.claim_owner import OWNER_FILE, Owner, write_owner
from schemas.finess import has_valid_format
from tlkpi.errors import StorageError

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")
CLAIM_FILE = "claim.json"
NOT_REGULAR = "fichier_non_regulier"  # a link or special file found at claim time: never read
# the store itself is unavailable (full, read-only, failing): worth retrying, the file stays claimed
STORE_UNAVAILABLE = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES, errno.EAGAIN}
)
MAX_NAME_BYTES = 255  # of one path component, on the file systems we store to


@dataclass(frozen=True)
class Claim:
    """A file taken out of the inbox for processing."""

    path: str  # the claimed file, under processing/<token>/
    work_dir: str  # processing/<token>/: the claim's scratch space
    relative: str  # path relative to the inbox, as it was dropped (posix)
    inbox_finess: str | None  # the establishment folder it was dropped in, if any
    sha256: str
    received_at: str  # ISO time the file was last written in the inbox
    refusal: str | None = None  # NOT_REGULAR: refused at claim time, nothing was read

    @property
    def name(self) -> str:
        return Path(self.relative).name


def is_candidate(path: Path) -> bool:
    """Regular, visible, complete files only: no symlink, no `.part`, no Office lock file `~$…`."""
    name = path.name
    if name.startswith((".", "~$")) or name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    return path.is_file() and not path.is_symlink()


def discover(inbox: Path, settle_seconds: float = 0.0) -> list[Path]:
    """Files waiting in the inbox, oldest first then by name, skipping hidden folders.

    A file modified in the last `settle_seconds` may still be uploading: it waits for the next run.
    Another run may claim a file while we look: a file that vanishes is simply not listed.
    """
    settled_before = time.time() - settle_seconds
    if not inbox.is_dir():
        return []
    found: list[tuple[float, str, Path]] = []
    for root, dirs, files in os.walk(inbox, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            try:
                if is_candidate(path) and (modified := path.stat().st_mtime) <= settled_before:
                    found.append((modified, path.as_posix(), path))
            except FileNotFoundError:
                continue
    return [path for _, _, path in sorted(found)]


def nothing_waiting(inbox: Path, processing: Path, settle_seconds: float = 0.0) -> bool:
    """No settled file in the inbox and no claim left in processing/: an ingest run would do nothing."""
    if processing.is_dir() and any(path.name != SETTLED_DIR for path in processing.iterdir()):
        return False
    return not discover(inbox, settle_seconds)


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


def claim(
    path: Path, inbox: Path, processing: Path, settle_seconds: float = 0.0, owner: Owner | None = None
) -> Claim | None:
    """Move the file under processing/ atomically; None when another run took it first or it is
    still being written (it goes back to the inbox for a later run).

    The owner is written before the move, so a claim whose owner died is always recognisable.
    The claimed entry is opened without following links: a symbolic link, a special file or a file
    with other hard links (swapped in after discovery) is refused unread. A regular file is copied,
    hashed on the way, into the claim's folder and the copy takes its place: the bytes stored later
    are the bytes hashed, whatever a late writer still does to the original.
    """
    relative = path.relative_to(inbox)
    work_dir = processing / uuid.uuid4().hex
    target = work_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if owner is not None:
        write_owner(work_dir, owner)
    try:
        before = os.lstat(path)
        os.rename(path, target)
    except FileNotFoundError:
        shutil.rmtree(work_dir, ignore_errors=True)
        return None
    received = datetime.fromtimestamp(before.st_mtime, UTC).isoformat(timespec="seconds")
    taken = Claim(str(target), str(work_dir), relative.as_posix(), folder_finess(relative), "", received)
    try:
        _write_claim(taken)  # from here a crash leaves a claim that is put back
    except OSError:  # a full disk: without its record the claim could never be released; undo it
        os.rename(target, path)
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    try:
        handle = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # ELOOP: a symbolic link; ENXIO and others: a socket, a device
        return _refuse_unread(taken)
    with os.fdopen(handle, "rb") as source:
        opened = os.fstat(source.fileno())
        if not stat.S_ISREG(opened.st_mode) or opened.st_nlink != 1:
            return _refuse_unread(taken)
        if _changed(before, opened) or time.time() - opened.st_mtime < settle_seconds:
            _put_back(taken, target, inbox / relative)
            return None
        copy = work_dir / ".content"
        digest = _copy_hashing(source, copy)
        if _changed(opened, os.fstat(source.fileno())):
            copy.unlink()
            _put_back(taken, target, inbox / relative)
            return None
    os.replace(copy, target)
    taken = Claim(**{**asdict(taken), "sha256": digest})
    _write_claim(taken)
    return taken


def _write_claim(taken: Claim) -> None:
    (Path(taken.work_dir) / CLAIM_FILE).write_text(json.dumps(asdict(taken)), encoding="utf-8")


def _changed(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns)


def _copy_hashing(source: object, copy: Path) -> str:
    digest = hashlib.sha256()
    with copy.open("wb") as sink:
        for block in iter(lambda: source.read(1 << 20), b""):  # type: ignore[attr-defined]
            digest.update(block)
            sink.write(block)
    return digest.hexdigest()


def _put_back(taken: Claim, claimed: Path, original: Path) -> None:
    """Still being written: back to the inbox, for a run after it settles."""
    os.rename(claimed, original)
    shutil.rmtree(taken.work_dir, ignore_errors=True)


def _refuse_unread(taken: Claim) -> Claim:
    """Drop the link (never what it points to); the claim records the refusal, nothing was read."""
    Path(taken.path).unlink(missing_ok=True)
    marker = hashlib.sha256(f"unread:{taken.relative}:{taken.received_at}".encode()).hexdigest()
    refused = Claim(**{**asdict(taken), "sha256": marker, "refusal": NOT_REGULAR})
    _write_claim(refused)
    return refused


def release_stale_claims(
    inbox: Path,
    processing: Path,
    older_than_seconds: float,
    owner_is_gone: Callable[[Path], bool] | None = None,
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
        released += _release_claim(work_dir, record, inbox)
    return released


def _release_claim(work_dir: Path, record: Path, inbox: Path) -> list[Path]:
    """Move a claim's file back to where it was dropped and drop the claim."""
    if record.exists():
        taken = Claim(**json.loads(record.read_text(encoding="utf-8")))
        relatives = [Path(taken.relative)] if Path(taken.path).exists() else []
    else:  # the run died between the move and the claim record: its only file is the claimed one
        relatives = [p.relative_to(work_dir) for p in work_dir.rglob("*") if p.is_file()]
        relatives = [r for r in relatives if r.as_posix() != OWNER_FILE]
    released = []
    for relative in relatives:
        back = inbox / relative
        back.parent.mkdir(parents=True, exist_ok=True)
        os.rename(work_dir / relative, back)
        released.append(back)
    shutil.rmtree(work_dir, ignore_errors=True)
    return released


def _copy_once(source: Path, target: Path) -> None:
    """Copy through a temporary name then rename, so a target is complete or absent.

    A store that cannot be written (full, read-only) is a transient error: the file stays claimed,
    the task is retried, and a later run takes the file again.
    """
    if target.exists():
        return
    temporary = target.with_name(f".{uuid.uuid4().hex}.part")  # short: the target's name may be long
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        if exc.errno not in STORE_UNAVAILABLE:
            raise  # this file's own problem (a name, a path): the caller quarantines it alone
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


REPORT_SUFFIX = ".rapport.html"


def stored_name(sha256: str, shown_name: str) -> str:
    """`<hash12>_<name>`, the name cut (its suffix kept) so that name + report suffix fit a file name."""
    room = MAX_NAME_BYTES - len(f"{sha256[:12]}_.{REPORT_SUFFIX}.part")  # the report's temporary name
    name = shown_name.replace("/", "_")
    if len(name.encode()) > room:
        suffix = Path(name).suffix if len(Path(name).suffix.encode()) < 16 else ""
        stem = name.encode()[: room - len(suffix.encode())].decode("utf-8", errors="ignore")
        name = stem + suffix
    return f"{sha256[:12]}_{name}"


def rejected_location(taken: Claim, rejected_dir: Path, shown_name: str | None = None) -> Path:
    """Where a rejected original goes: by establishment, prefixed with its hash."""
    folder = taken.inbox_finess or "_inbox"
    return rejected_dir / folder / stored_name(taken.sha256, shown_name or taken.name)


def keep_rejected(
    taken: Claim,
    rejected_dir: Path,
    report_html: str,
    *,
    shown_name: str | None = None,
    keep_original: bool = True,
) -> Path:
    """Keep a rejected original with its French report beside it (`<file>.rapport.html`).

    Without `keep_original` (personal data, or a link never read) only the report is written.
    """
    target = rejected_location(taken, rejected_dir, shown_name)
    if keep_original:
        _copy_once(Path(taken.path), target)
    report = target.with_name(f"{target.name}{REPORT_SUFFIX}")
    temporary = report.with_name(f".{report.name}.part")
    try:
        report.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(report_html, encoding="utf-8")
        os.replace(temporary, report)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise StorageError(f"cannot write the report of {taken.name} in {report.parent}: {exc}") from exc
    return target


def quarantine(taken: Claim, quarantine_dir: Path, shown_name: str, cause: str) -> Path:
    """Keep a file whose processing failed for the operator, with the cause beside it."""
    target = quarantine_dir / stored_name(taken.sha256, shown_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    if Path(taken.path).is_file():
        _copy_once(Path(taken.path), target)
    target.with_name(f"{target.name}.cause.txt").write_text(cause + "\n", encoding="utf-8")
    return target


def release(taken: Claim) -> None:
    """The file is safe elsewhere (archive, rejected/, or already known): drop the claim."""
    shutil.rmtree(taken.work_dir, ignore_errors=True)


SETTLED_DIR = ".settled"  # processing/.settled/: claims already settled, being deleted


def release_all(claims: list[Claim], processing: Path) -> None:
    """Drop the settled claims of a batch in one go: each claim folder is set aside at once into
    processing/.settled/<batch>/ (a rename: never put back, never taken again), then the batch's folder
    is deleted whole. A folder left by a killed process is deleted by the next run."""
    settled = processing / SETTLED_DIR / uuid.uuid4().hex
    settled.mkdir(parents=True, exist_ok=True)
    for taken in claims:
        set_aside(taken, settled)
    shutil.rmtree(settled, ignore_errors=True)
    with contextlib.suppress(OSError):  # another run may be deleting its own batch there
        settled.parent.rmdir()


def set_aside(taken: Claim, settled: Path) -> None:
    """Move a settled claim's folder out of the claims (dropped at once on another file system)."""
    try:
        os.rename(taken.work_dir, settled / Path(taken.work_dir).name)
    except OSError:
        release(taken)


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
