"""Reception order by the pipeline's own clock: when a file was first seen, as it is now, in the inbox.

A client sets a file's modification time (`cp -p`, `rsync -t`, `sftp put -p` keep an old one; a wrong
clock gives a future one), so it never decides the order nor when an upload has settled. Every run that
looks at the inbox records, for each file, the first time it saw it with its current identity (device,
inode, size, mtime): a file that changes is seen anew. The file is settled once that sighting is older
than the settle delay, and it is received at that sighting. Sighting times come from one clock kept
under a lock in `<data root>/reception/`, strictly increasing, so two files never tie and concurrent
workers agree on the order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tlkpi.files import exclusive_lock

LEDGER_DIR = "reception"
CLOCK_FILE = "clock"
LOCK_FILE = ".lock"
RESERVE_US = 200_000  # how far ahead of the last time given the clock file is written
FORGET_AFTER_SECONDS = 7 * 24 * 3600  # a sighting of a file gone from the inbox (deleted by its sender)


@dataclass(frozen=True)
class Sighting:
    """The first time the pipeline saw a file in its current state."""

    relative: str
    identity: tuple[int, int, int, int]  # device, inode, size, mtime_ns
    seen_us: int  # microseconds since the epoch, by the pipeline's clock

    @property
    def received_at(self) -> str:
        """ISO time (UTC, microseconds): the file's reception time."""
        return iso_time(self.seen_us)

    def age_seconds(self, now_us: int) -> float:
        return (now_us - self.seen_us) / 1e6


def iso_time(microseconds: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=microseconds)).isoformat()


def from_iso(text: str) -> int:
    moment = datetime.fromisoformat(text)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def identity_of(status: os.stat_result) -> tuple[int, int, int, int]:
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def ledger_dir(inbox: Path) -> Path:
    """`<data root>/reception/`, beside the inbox (never inside it: establishments see their folders)."""
    return inbox.parent / LEDGER_DIR


def now_us() -> int:
    return time.time_ns() // 1000


class Ledger:
    """The sightings of the files of one inbox; use it inside `open_ledger` (it holds the lock)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._last = self._read_clock()
        self._reserved = self._last  # the clock file's value: every time given is at most this

    def _record_path(self, relative: str) -> Path:
        return self.folder / f"{hashlib.sha256(relative.encode('utf-8', 'surrogateescape')).hexdigest()}.seen"

    def _read_clock(self) -> int:
        try:
            return int((self.folder / CLOCK_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            return 0

    def tick(self, at_us: int | None = None) -> int:
        """A new sighting time: `at_us` (now by default), but always after every time given before.

        The clock file is written before any record holds a time, with a little room ahead
        (RESERVE_US): a look at hundreds of new files writes it a few times, not once per file, and a
        later run still starts after every time given here."""
        moment = max(now_us() if at_us is None else at_us, self._last + 1)
        self._last = moment
        if moment > self._reserved:
            self._reserved = moment + RESERVE_US
            _write_atomically(self.folder / CLOCK_FILE, str(self._reserved))
        return moment

    def read(self, relative: str) -> Sighting | None:
        try:
            record = json.loads(self._record_path(relative).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        identity = record.get("identity", [])
        if record.get("relative") != relative or len(identity) != 4:
            return None
        return Sighting(
            relative, (identity[0], identity[1], identity[2], identity[3]), int(record["seen_us"])
        )

    def write(self, sighting: Sighting) -> None:
        record = {"relative": sighting.relative, "identity": sighting.identity, "seen_us": sighting.seen_us}
        _write_atomically(self._record_path(sighting.relative), json.dumps(record))

    def observe(self, relative: str, status: os.stat_result, at_us: int | None = None) -> Sighting:
        """The file's sighting: the recorded one when it has not changed since, else a new one now."""
        known = self.read(relative)
        if known is not None and known.identity == identity_of(status):
            return known
        seen = Sighting(relative, identity_of(status), self.tick(at_us))
        self.write(seen)
        return seen

    def restore(self, relative: str, status: os.stat_result, received_at: str) -> None:
        """A claimed file put back in the inbox keeps the reception time it was claimed with."""
        self.write(Sighting(relative, identity_of(status), from_iso(received_at)))

    def forget(self, relative: str, received_at: str | None = None) -> None:
        """Drop the sighting of a settled file (only its own: the same name may hold a newer file)."""
        known = self.read(relative)
        if known is not None and (received_at is None or known.seen_us == from_iso(received_at)):
            self._record_path(relative).unlink(missing_ok=True)

    def forget_absent(self, present: set[str], now: int) -> None:
        """Drop old sightings of files no longer in the inbox."""
        for path in self.folder.glob("*.seen"):
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                record = json.loads(path.read_text(encoding="utf-8"))
                old = (now - int(record["seen_us"])) / 1e6 > FORGET_AFTER_SECONDS
                if old and record["relative"] not in present:
                    path.unlink()


@contextlib.contextmanager
def open_ledger(folder: Path) -> Iterator[Ledger]:
    """The ledger in `folder`, held under an exclusive lock (concurrent runs observe one after the
    other)."""
    with exclusive_lock(folder / LOCK_FILE):
        yield Ledger(folder)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def record_sighting(inbox: Path, path: Path, seen_at: float) -> Sighting:
    """Record that the pipeline saw this file, as it is now, at `seen_at` (epoch seconds), even when
    that is before the clock's last time.

    For tools that stand for past runs (the demo's inbox, tests of uploads that settled long ago).
    """
    relative = path.relative_to(inbox).as_posix()
    with open_ledger(ledger_dir(inbox)) as ledger:
        seen = Sighting(relative, identity_of(os.lstat(path)), int(seen_at * 1e6))
        ledger.write(seen)
        ledger.tick(seen.seen_us)  # later sightings come after it
        return seen
