"""The drop zone: find files in the inbox, claim them atomically, never lose one.

A claim is an atomic rename of `inbox/<rel>` to `processing/<token>/<rel>`: two runs never hold the
same file, and a crash leaves it either in the inbox or in processing/, from where it is put back.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import shutil
import stat
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from intake import reception
from intake.claim_owner import CLAIM_FILE, Owner
from intake.folder_faults import FolderFault, FolderFaultError, fault, is_folder_error
from schemas.finess import has_valid_format

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart")
SETTLED_DIR = ".settled"  # processing/.settled/: claims already settled, being deleted
NOT_REGULAR = "fichier_non_regulier"  # a link or special file found at claim time: never read
# the store itself is unavailable (full, read-only, failing): worth retrying, the file stays claimed
STORE_UNAVAILABLE = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES, errno.EAGAIN}
)
MAX_NAME_BYTES = 255  # of one path component, on the file systems we store to
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A file taken out of the inbox for processing."""

    path: str  # the claimed file, under processing/<token>/
    work_dir: str  # processing/<token>/: the claim's scratch space
    relative: str  # path relative to the inbox, as it was dropped (posix)
    inbox_finess: str | None  # the establishment folder it was dropped in, if any
    sha256: str
    received_at: str  # ISO time (UTC) the pipeline first saw the file as it was claimed: reception order
    refusal: str | None = None  # NOT_REGULAR: refused at claim time, nothing was read
    ledger: str = ""  # the reception ledger's folder, whose sighting of the file goes with the claim

    @property
    def name(self) -> str:
        return Path(self.relative).name


def is_candidate(path: Path) -> bool:
    """Visible, complete entries that are not links or folders: regular files, and the special files
    (FIFO, socket) that get a refusal instead of being ignored; no `.part`, no Office lock file `~$…`."""
    name = path.name
    if name.startswith((".", "~$")) or name.lower().endswith(PARTIAL_SUFFIXES):
        return False
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def list_candidates(inbox: Path, faults: list[FolderFault] | None = None) -> list[Path]:
    """Every file waiting in the inbox, settled or not, by path; hidden folders skipped.

    Another run may claim a file while we look: a file that vanishes is simply not listed. A folder
    that cannot be listed is a fault of that folder (added to `faults`), never of the run.
    """
    if not inbox.is_dir():
        return []

    def unreadable(exc: OSError) -> None:
        if faults is not None and not isinstance(exc, FileNotFoundError):
            faults.append(fault(Path(exc.filename or inbox).relative_to(inbox), "list", exc))

    found: list[Path] = []
    for root, dirs, files in os.walk(inbox, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / name for name in sorted(files) if is_candidate(Path(root) / name)]
    return found


def discover(
    inbox: Path, settle_seconds: float = 0.0, *, wait: bool = False, faults: list[FolderFault] | None = None
) -> list[Path]:
    """Settled files of the inbox, in reception order (the pipeline's first sighting), then by name.

    A file is settled once the pipeline has seen it unchanged for `settle_seconds`; its modification
    time is never compared with the clock (a client sets it). With `wait`, a run that sees files for
    the first time waits once for them to settle instead of leaving them to the next run.
    """
    settled, waiting = _observe(inbox, settle_seconds, faults)
    if wait and waiting:
        time.sleep(min(max(waiting), settle_seconds))
        settled, _ = _observe(inbox, settle_seconds, None)
    return settled


def _observe(
    inbox: Path, settle_seconds: float, faults: list[FolderFault] | None
) -> tuple[list[Path], list[float]]:
    """Record a sighting of every file; the settled ones by reception time, and the seconds the others
    still have to wait."""
    candidates = list_candidates(inbox, faults)
    if not candidates:
        return [], []
    found: list[tuple[int, str, Path]] = []
    waiting: list[float] = []
    future = 0
    with reception.open_ledger(reception.ledger_dir(inbox)) as ledger:
        for path in candidates:
            try:
                status = os.lstat(path)
            except OSError as exc:  # gone (another run took it), or its folder's fault
                if faults is not None and is_folder_error(exc):
                    faults.append(fault(path.relative_to(inbox), "list", exc))
                continue
            sighting = ledger.observe(path.relative_to(inbox).as_posix(), status)
            future += status.st_mtime > time.time() + 60
            age = sighting.age_seconds(reception.now_us())
            if settle_seconds <= 0 or age >= settle_seconds or not stat.S_ISREG(status.st_mode):
                found.append((sighting.seen_us, path.as_posix(), path))
            else:
                waiting.append(settle_seconds - age)
        ledger.forget_absent({p.relative_to(inbox).as_posix() for p in candidates}, reception.now_us())
    if future:
        logger.info(
            "%d file(s) with a modification time in the future: ignored, reception is by our clock", future
        )
    return [path for _, _, path in sorted(found)], waiting


def nothing_waiting(inbox: Path, processing: Path) -> bool:
    """No file in the inbox, settled or not, and no claim left in processing/: an ingest run would do
    nothing (a run that finds files it has not seen settle yet waits for them once)."""
    if processing.is_dir() and any(path.name != SETTLED_DIR for path in processing.iterdir()):
        return False
    return not list_candidates(inbox)


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

    The file is received when the pipeline first saw it as it is (see `intake.reception`); it is
    taken once that sighting is `settle_seconds` old, whatever its modification time says.
    The claim's record, with its owner, is written before the move: a crash at any point leaves the file
    in the inbox or a claim that names it and its owner (one file written, not two).
    The claimed entry is opened without following links: a symbolic link, a special file or a file
    with other hard links (swapped in after discovery) is refused unread. A regular file is copied,
    hashed on the way, into the claim's folder and the copy takes its place: the bytes stored later
    are the bytes hashed, whatever a late writer still does to the original.
    """
    relative = path.relative_to(inbox)
    try:
        return _claim(path, relative, inbox, processing, settle_seconds, owner)
    except OSError as exc:
        if not is_folder_error(exc):
            raise
        raise FolderFaultError(fault(relative, "claim", exc)) from exc


def _claim(
    path: Path, relative: Path, inbox: Path, processing: Path, settle_seconds: float, owner: Owner | None
) -> Claim | None:
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        return None
    ledger_dir = reception.ledger_dir(inbox)
    with reception.open_ledger(ledger_dir) as ledger:  # recorded here when no run listed it before
        sighting = ledger.observe(relative.as_posix(), before)
    regular = stat.S_ISREG(before.st_mode)  # a link or special file is refused at once: nothing to wait for
    if regular and settle_seconds > 0 and sighting.age_seconds(reception.now_us()) < settle_seconds:
        return None  # seen as it is now too recently: maybe still being written
    work_dir = processing / uuid.uuid4().hex
    target = work_dir / relative
    taken = Claim(
        str(target), str(work_dir), relative.as_posix(), folder_finess(relative), "",
        sighting.received_at, ledger=str(ledger_dir),
    )  # fmt: skip
    try:
        work_dir.mkdir(parents=True)  # then its subfolders: not a failed mkdir first on every claim
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_claim(taken, owner)  # from here a crash leaves a claim that is put back (or dropped, unmoved)
    except OSError:  # a full disk: nothing was moved
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    try:
        os.rename(path, target)
    except OSError as exc:  # taken by another run; or the folder cannot be emptied (the caller's fault)
        shutil.rmtree(work_dir, ignore_errors=True)
        if isinstance(exc, FileNotFoundError):
            return None
        raise
    if not regular:  # a link, a FIFO or a socket: refused without even opening it
        return _refuse_unread(taken, owner)
    try:
        handle = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # ELOOP: a symbolic link; ENXIO and others: a socket, a device
        return _refuse_unread(taken, owner)
    with os.fdopen(handle, "rb") as source:
        opened = os.fstat(source.fileno())
        if not stat.S_ISREG(opened.st_mode) or opened.st_nlink != 1:
            return _refuse_unread(taken, owner)
        if _changed(before, opened):
            _put_back(taken, target, inbox / relative)
            return None
        copy = work_dir / ".content"
        try:
            digest = _copy_hashing(source, copy)
        except OSError:  # the file cannot be read (I/O error): back where it was, for a later run
            copy.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                _put_back(taken, target, inbox / relative)
            raise
        if _changed(opened, os.fstat(source.fileno())):
            copy.unlink()
            _put_back(taken, target, inbox / relative)
            return None
    os.replace(copy, target)
    # claim.json keeps what a put-back needs (where the file goes, its reception); rewriting it with
    # the hash would cost a write per file for nothing
    return Claim(**{**asdict(taken), "sha256": digest})


def claim_all(
    paths: list[Path],
    inbox: Path,
    processing: Path,
    settle_seconds: float = 0.0,
    owner: Owner | None = None,
    limit: int = 0,
) -> tuple[list[Claim], list[FolderFault]]:
    """Claim files in order (at most `limit`, 0: all); a folder that cannot be emptied is skipped at
    its first fault, and its files wait in the inbox."""
    claims: list[Claim] = []
    faults: list[FolderFault] = []
    for path in paths:
        if limit and len(claims) >= limit:
            break
        if any(path.relative_to(inbox).parts[0] == f.folder for f in faults):
            continue
        try:
            taken = claim(path, inbox, processing, settle_seconds, owner)
        except FolderFaultError as exc:
            faults.append(exc.fault)
            continue
        if taken is not None:
            claims.append(taken)
    return claims, faults


def _write_claim(taken: Claim, owner: Owner | None) -> None:
    record = {**asdict(taken), "owner": asdict(owner) if owner is not None else None}
    (Path(taken.work_dir) / CLAIM_FILE).write_text(json.dumps(record), encoding="utf-8")


def read_claim_record(work_dir: Path) -> Claim:
    """The claim recorded in its folder (raises OSError, ValueError or TypeError when it cannot be read)."""
    record = json.loads((work_dir / CLAIM_FILE).read_text(encoding="utf-8"))
    record.pop("owner", None)
    return Claim(**record)


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


def _refuse_unread(taken: Claim, owner: Owner | None) -> Claim:
    """Drop the link (never what it points to); the claim records the refusal, nothing was read."""
    Path(taken.path).unlink(missing_ok=True)
    marker = hashlib.sha256(f"unread:{taken.relative}:{taken.received_at}".encode()).hexdigest()
    refused = Claim(**{**asdict(taken), "sha256": marker, "refusal": NOT_REGULAR})
    _write_claim(refused, owner)
    return refused
