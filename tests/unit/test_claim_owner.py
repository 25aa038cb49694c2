"""A claim names its owner; the next run releases at once the claims of an owner that is gone."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake import claim_owner, claim_release, dropzone
from intake.claim_owner import Owner


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_this_process_is_not_gone() -> None:
    assert not claim_owner.is_gone(claim_owner.current_owner(None))


def test_a_process_that_exited_is_gone() -> None:
    owner = dataclasses.replace(claim_owner.current_owner(None), pid=dead_pid())
    assert claim_owner.is_gone(owner)


def test_a_reused_pid_is_gone() -> None:
    """Same pid, another start time: the pid was given to a new process; the owner is gone."""
    me = claim_owner.current_owner(None)
    assert me.pid_started is not None
    assert claim_owner.is_gone(dataclasses.replace(me, pid_started=me.pid_started - 1))


def test_a_reboot_ends_every_owner_of_the_previous_boot() -> None:
    assert claim_owner.is_gone(dataclasses.replace(claim_owner.current_owner(None), boot_id="an-older-boot"))


@pytest.mark.parametrize(
    ("state", "gone"),
    [("CRASHED", True), ("FAILED", True), ("CANCELLED", True), ("RUNNING", False), (None, False)],
)
def test_an_owner_on_another_host_is_gone_when_its_flow_run_is_dead(state: str | None, gone: bool) -> None:
    asked: list[str] = []

    def flow_run_state(flow_run_id: str) -> str | None:
        asked.append(flow_run_id)
        return state

    owner = Owner("another-host", "its-boot", 4242, 1, "0b6c6a8e-4a4b-4f7f-9a51-1d6f0f1b2c3d")
    assert claim_owner.is_gone(owner, flow_run_state) is gone
    assert asked == [owner.flow_run_id]


def test_an_owner_that_cannot_be_asked_is_left_to_the_timeout() -> None:
    assert not claim_owner.is_gone(Owner("another-host", None, 4242, None, None), lambda _: "CRASHED")
    assert not claim_owner.is_gone(None)


def drop(inbox: Path, name: str) -> Path:
    path = inbox / "010780195" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("finess\n010780195\n", encoding="utf-8")
    return path


def test_the_claims_of_a_dead_owner_go_back_at_once_and_a_live_owners_stay(tmp_path: Path) -> None:
    inbox, processing = tmp_path / "inbox", tmp_path / "processing"
    dead = dataclasses.replace(claim_owner.current_owner("run-1"), pid=dead_pid())
    orphan = dropzone.claim(drop(inbox, "dead.csv"), inbox, processing, owner=dead)
    mine = dropzone.claim(
        drop(inbox, "alive.csv"), inbox, processing, owner=claim_owner.current_owner("run-2")
    )
    assert orphan is not None and mine is not None

    released = claim_release.release_stale_claims(inbox, processing, 3600, claim_owner.claim_checker())

    assert released == [inbox / "010780195" / "dead.csv"]
    assert released[0].read_text(encoding="utf-8") == "finess\n010780195\n"
    assert not Path(orphan.work_dir).exists()
    assert Path(mine.path).exists()


def test_a_run_killed_between_the_claim_record_and_the_move_leaves_the_file_in_the_inbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, processing = tmp_path / "inbox", tmp_path / "processing"
    dead = dataclasses.replace(claim_owner.current_owner(None), pid=dead_pid())
    dropped = drop(inbox, "half.csv")

    def killed(source: object, target: object) -> None:
        raise KeyboardInterrupt  # the process dies here: its claim's record is written, nothing moved

    monkeypatch.setattr(dropzone.os, "rename", killed)
    with pytest.raises(KeyboardInterrupt):
        dropzone.claim(dropped, inbox, processing, owner=dead)
    monkeypatch.undo()
    [work_dir] = processing.iterdir()
    assert claim_owner.read_owner(work_dir) == dead

    released = claim_release.release_stale_claims(inbox, processing, 3600, claim_owner.claim_checker())

    assert released == []
    assert dropped.read_text(encoding="utf-8") == "finess\n010780195\n"
    assert list(processing.iterdir()) == []
    again = dropzone.claim(dropped, inbox, processing)
    assert again is not None and Path(again.path).read_text(encoding="utf-8") == "finess\n010780195\n"


def test_an_earlier_versions_claim_killed_between_the_move_and_its_record_loses_nothing(
    tmp_path: Path,
) -> None:
    """Before the record held the owner, a claim wrote owner.json, moved the file, then wrote its record:
    a claim left by that version, its run dead before the record, still goes back at once."""
    inbox, processing = tmp_path / "inbox", tmp_path / "processing"
    dead = dataclasses.replace(claim_owner.current_owner(None), pid=dead_pid())
    taken = dropzone.claim(drop(inbox, "half.csv"), inbox, processing, owner=dead)
    assert taken is not None
    work_dir = Path(taken.work_dir)
    os.remove(work_dir / claim_owner.CLAIM_FILE)
    (work_dir / claim_owner.OWNER_FILE).write_text(json.dumps(dataclasses.asdict(dead)), encoding="utf-8")

    released = claim_release.release_stale_claims(inbox, processing, 3600, claim_owner.claim_checker())

    assert released == [inbox / "010780195" / "half.csv"]
    assert list(processing.iterdir()) == []
