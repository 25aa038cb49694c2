"""A service stop (SIGTERM) or Ctrl-C (SIGINT) during `tlkpi ingest` is a failed run: the claims go back
to the inbox, the temporary Prefect server stops with the command, and the exit status says so."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_cases import PEERS, csv_bytes, drop, register, row

from tests.support.prefect_home import migrated_home
from tlkpi.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]
# `tlkpi ingest`, held in the read stage (after the claims) until it is stopped
HELD_INGEST = """
import sys, time
from pathlib import Path
import intake.submissions
_real = intake.submissions.read_claim
def _held(*args, **kwargs):
    Path({marker!r}).touch()
    time.sleep(600)
    return _real(*args, **kwargs)
intake.submissions.read_claim = _held
from flows.cli import main
sys.argv = ["tlkpi", "ingest"]
main()
"""


def processes_of(prefect_home: Path) -> list[int]:
    """Live processes started for this Prefect home (the command and its temporary server)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"PREFECT_HOME={prefect_home}".encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_ingest_puts_its_claims_back_stops_its_server_and_fails(
    tmp_path: Path, stop: signal.Signals
) -> None:
    settings = Settings(data_root=tmp_path / "var", settle_seconds=0)
    register(settings)
    dropped = [f"{finess}/envoi_{n}.csv" for finess in PEERS for n in range(3)]
    for number, relative in enumerate(dropped):
        drop(settings, relative, csv_bytes(row(finess=relative[:9], value=str(40 + number))))
    marker = tmp_path / "reading"
    # the SIGTERM case starts from an empty Prefect home, as on a new operator's machine (the temporary
    # API migrates it first); the SIGINT case from a migrated one, which saves that start's 7 s of CPU
    prefect_home = tmp_path / "prefect"
    if stop == signal.SIGINT:
        migrated_home(prefect_home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "TLKPI_"))}
    env |= {
        "TLKPI_DATA_ROOT": str(settings.root),
        "PREFECT_HOME": str(prefect_home),
        "TLKPI_SETTLE_SECONDS": "0",
    }
    command = subprocess.Popen(
        [sys.executable, "-c", HELD_INGEST.format(marker=str(marker))],
        cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not marker.exists() and command.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), "the run never reached its read stage"
        assert list(settings.processing_dir.rglob("*.csv")), "the files are claimed"
        command.send_signal(stop)
        _, stderr = command.communicate(timeout=120)
    finally:
        if command.poll() is None:
            command.kill()
    assert command.returncode == 128 + stop, stderr[-2000:]
    assert "stopped" in stderr
    assert sorted(
        p.relative_to(settings.inbox_dir).as_posix() for p in settings.inbox_dir.rglob("*.csv")
    ) == sorted(dropped)
    assert not list(settings.processing_dir.rglob("*.csv"))
    ending = time.monotonic() + 15
    while processes_of(prefect_home) and time.monotonic() < ending:
        time.sleep(0.5)
    left = processes_of(prefect_home)
    for pid in left:  # never leave an orphan behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the temporary Prefect server outlived the command"
