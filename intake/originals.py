"""Where settled originals go: accepted ones in the archive by content hash, refused ones in rejected/
with their French report, failed ones in quarantine/ with their cause; each written complete or not at all.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

from intake.dropzone import MAX_NAME_BYTES, STORE_UNAVAILABLE, Claim
from tlkpi.errors import StorageError
from tlkpi.files import in_folder, temporary_beside, write_atomically

LINK_UNSUPPORTED = frozenset({errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})


def _copy_once(source: Path, target: Path) -> None:
    """Store the claimed file at `target`, complete or absent: a hard link on the same file system (no
    bytes copied, and dropping the claim then frees nothing: deleting files is what costs most on
    this disk), else a copy through a temporary name then a rename.

    The claimed file is the pipeline's own copy (see `intake.dropzone.claim`), never written again; a
    file put back in the inbox after a fault is detached from the link first (`claim_release`).
    A store that cannot be written (full, read-only) is a transient error: the file stays claimed,
    the task is retried, and a later run takes the file again.
    """
    if target.exists():
        return
    temporary = temporary_beside(target)
    try:
        if in_folder(target, lambda: _linked(source, target)):
            return
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


def _linked(source: Path, target: Path) -> bool:
    """True when `target` is now a hard link to `source` (or was already there); False when this file
    system cannot link them (another device, no hard links): the caller copies."""
    try:
        os.link(source, target)
    except FileExistsError:
        return True
    except OSError as exc:
        if exc.errno in LINK_UNSUPPORTED:
            return False
        raise
    return True


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
    try:
        write_atomically(report, report_html)
    except OSError as exc:
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
