"""Who holds a claim, and whether that owner is gone, so a dead run's files go back to the inbox at once.

An owner is a process: host, boot id, pid and the pid's start time (a pid is reused; the pair is not),
and the Prefect flow run it works for. On its own host, a process that no longer exists (or a machine
that rebooted) is gone. On another host only Prefect can tell: a flow run that is Crashed, Failed or
Cancelled is gone. An owner that cannot be asked falls back on the claim timeout.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLAIM_FILE = "claim.json"  # a claim's record, its owner included, written before the file is moved
OWNER_FILE = "owner.json"  # the owner of a claim made by an earlier version (before its record)
DEAD_RUN_STATES = frozenset({"CRASHED", "FAILED", "CANCELLED"})
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")

# flow run id -> its state type ("RUNNING", "CRASHED", ...), or None when the API cannot say
FlowRunStateReader = Callable[[str], str | None]


@dataclass(frozen=True)
class Owner:
    """The process that claimed a file."""

    host: str
    boot_id: str | None
    pid: int
    pid_started: int | None  # start time of the pid in clock ticks since boot (/proc/<pid>/stat)
    flow_run_id: str | None


def read_boot_id() -> str | None:
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return None


def read_process_start(pid: int) -> int | None:
    """Start time of a live process in clock ticks since boot; None when it does not exist or is dead
    (a zombie waiting for its parent is dead too)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def current_owner(flow_run_id: str | None) -> Owner:
    """This process, working for that flow run."""
    pid = os.getpid()
    return Owner(socket.gethostname(), read_boot_id(), pid, read_process_start(pid), flow_run_id)


def read_owner(work_dir: Path) -> Owner | None:
    """The owner recorded in a claim's folder (its record's "owner", or the owner.json of an earlier
    version's claim); None when none was recorded or it cannot be read."""
    record = _read_json(work_dir / CLAIM_FILE)
    fields = record["owner"] if "owner" in record else _read_json(work_dir / OWNER_FILE)
    try:
        return Owner(**fields) if fields else None
    except TypeError:
        return None


def _read_json(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; empty when it is missing or cannot be read."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def is_gone(owner: Owner | None, flow_run_state: FlowRunStateReader | None = None) -> bool:
    """True when the owner surely no longer works on its claims; False when alive or not known."""
    if owner is None:
        return False
    if owner.host == socket.gethostname() and owner.boot_id is not None:
        return _is_gone_here(owner)
    if owner.flow_run_id and flow_run_state is not None:
        return flow_run_state(owner.flow_run_id) in DEAD_RUN_STATES
    return False


def _is_gone_here(owner: Owner) -> bool:
    if owner.boot_id != read_boot_id():
        return True  # the machine rebooted since: every process of that boot is gone
    started = read_process_start(owner.pid)
    return started is None or started != owner.pid_started


def claim_checker(flow_run_state: FlowRunStateReader | None = None) -> Callable[[Path], bool]:
    """For `release_stale_claims`: is the owner recorded in this claim folder gone?"""
    return lambda work_dir: is_gone(read_owner(work_dir), flow_run_state)


def is_this_process(owner: Owner | None) -> bool:
    """True when the claim was made by this very process (it is stopping: its claims go back)."""
    me = current_owner(None)
    return owner is not None and (owner.host, owner.boot_id, owner.pid, owner.pid_started) == (
        me.host, me.boot_id, me.pid, me.pid_started,
    )  # fmt: skip


def own_claims() -> Callable[[Path], bool]:
    """For `release_stale_claims`: was this claim folder made by this process?"""
    return lambda work_dir: is_this_process(read_owner(work_dir))
