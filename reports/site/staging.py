"""Publish a folder whole: it is written beside its target, then swapped in by rename.

A reader (ANAP copying site/<quarter>/) or a run killed half way never sees a half-written folder:
the target is either the previous complete folder or the new complete one. Leftovers of a killed
run (a staging folder, or the previous folder set aside between the two renames of the fallback
swap) are cleaned up, or put back, by the next publication of the same folder.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STAGING_PREFIX = ".staging-"
RETIRED_PREFIX = ".retired-"
_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_in(staging: Path, target: Path) -> None:
    """Make `staging` the new `target` and delete the previous one."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)
        return
    retired = Path(tempfile.mkdtemp(prefix=f"{RETIRED_PREFIX}{target.name}-", dir=target.parent))
    os.rename(target, retired / target.name)
    os.rename(staging, target)
    shutil.rmtree(retired)


def recover(target: Path) -> None:
    """Undo what a killed publication left: put a set-aside folder back, drop staging folders."""
    for retired in sorted(target.parent.glob(f"{RETIRED_PREFIX}{target.name}-*")):
        previous = retired / target.name
        if not target.exists() and previous.is_dir():
            os.rename(previous, target)
        shutil.rmtree(retired)
    for staging in target.parent.glob(f"{STAGING_PREFIX}{target.name}-*"):
        shutil.rmtree(staging)


def carry_over(target: Path, staging: Path, names: tuple[str, ...]) -> None:
    """Bring entries of the current target (earlier editions) into the staging folder, by hard links."""
    for name in names:
        source = target / name
        if source.is_dir() and not (staging / name).exists():
            shutil.copytree(
                source, staging / name, copy_function=os.link, ignore=shutil.ignore_patterns(".*")
            )


@contextmanager
def publication_lock(target: Path) -> Iterator[None]:
    """One publication of a folder at a time (two `quarter` runs of the same quarter wait in turn)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / f".{target.name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def staged_folder(target: Path, keep: tuple[str, ...] = ()) -> Iterator[Path]:
    """An empty folder beside `target` that replaces it whole when the block ends without error.

    Entries named in `keep` are carried over from the current target. Hold `publication_lock(target)`.
    """
    recover(target)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{target.name}-", dir=target.parent))
    try:
        yield staging
        carry_over(target, staging, keep)
        staging.chmod(0o755)  # mkdtemp makes it private; the published folder is read by a web server
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
