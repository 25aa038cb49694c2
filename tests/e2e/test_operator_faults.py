"""Faults of the installation, through the real `tlkpi` command: a quarter killed half way, a corrupt
warehouse, a full disk, a quarter not yet ended. Each ends in one operator line (exit code 2) or is
repaired by the next run, and nothing is lost.

The commands that run a flow talk to one Prefect server started for the module (PREFECT_API_URL, as
an operator's shell with a server configured): the faults are the warehouse's and the disk's, and a
temporary API per command would only add its start-up (10-60 s) to each. The unserved path, temporary
API included, is exercised by tests/hostile/test_stops.py and the docs run."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from disclosure.editions import freeze_edition
from disclosure.rules import Rules
from intake.run import ingest_inbox
from reports.site.manifest import file_entries
from reports.site.writer import render_quarter_site
from schemas.periods import Period
from tests.support.inbox import delay_file, drop_file
from tests.support.prefect_home import migrated_home
from tests.support.prefect_server import prefect_server
from tlkpi.settings import Settings
from warehouse.db import open_warehouse

PROJECT = Path(__file__).resolve().parents[2]
TLKPI = str(PROJECT / ".venv" / "bin" / "tlkpi")
SITES = ("010780195", "010780906", "980600027", "2A0000014")
QUARTER = "2025-T3"
# `tlkpi quarter`, SIGKILLed while it writes the 4th page of the site.
KILLED_QUARTER = """
import os, signal, sys
import reports.site.writer
_real, _calls = reports.site.writer.write_text, [0]
def _killing(*args, **kwargs):
    _calls[0] += 1
    if _calls[0] == 4:
        os.kill(os.getpid(), signal.SIGKILL)
    return _real(*args, **kwargs)
reports.site.writer.write_text = _killing
from flows.cli import main
sys.argv = ["tlkpi", "quarter", {quarter!r}]
main()
"""


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Prefect server for the module's flow runs; its API URL."""
    with prefect_server(tmp_path_factory.mktemp("prefect-server")) as (api, _):
        yield api


def cli_env(root: Path, api: str | None = None) -> dict[str, str]:
    """The environment of an operator's shell: this data root, a Prefect home of its own, and the
    Prefect server `api` when given (else none: a flow would start a temporary API)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "TLKPI_"))}
    return (
        env
        | {
            "TLKPI_DATA_ROOT": str(root),
            "PREFECT_HOME": str(migrated_home(root.parent / "prefect")),
            "TLKPI_RENDER_WORKERS": "1",
            "DO_NOT_TRACK": "1",
        }
        | ({"PREFECT_API_URL": api} if api else {})
    )


def run(command: list[str], env: dict[str, str], timeout: float = 400) -> subprocess.CompletedProcess[str]:
    """Run a command in its own process group, and leave nothing of it behind (its temporary Prefect API)."""
    process = subprocess.Popen(
        command,
        env=env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def tlkpi(root: Path, *args: str, api: str | None = None) -> subprocess.CompletedProcess[str]:
    return run([TLKPI, *args], cli_env(root, api))


def assert_one_operator_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    """Exit code 2, no traceback, exactly one `error:` line, which says what happened and what to do."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    for word in words:
        assert word in line, line
    return line


def drop(root: Path, finess: str, name: str, value: int) -> Path:
    path = drop_file(root / "inbox", finess, name, delay_file(finess, value + 15, value, QUARTER))
    settled = time.time() - 60  # dropped a minute ago: settled, the next run takes it
    os.utime(path, (settled, settled))
    return path


def ingest_in_process(settings: Settings) -> int:
    """The ingest flow's steps without the Prefect API (set-up only)."""
    return len(ingest_inbox(settings, date(2026, 11, 22)))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_holds(folder: Path) -> int:
    """The folder is whole: every file is as manifest.json lists it; returns the manifest's edition."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == file_entries(folder)
    return int(manifest["edition"]["number"])


def test_a_quarter_that_has_not_ended_is_refused(tmp_path: Path) -> None:
    today = date.today()
    current = Period(today.year, (today.month - 1) // 3 + 1).label
    done = tlkpi(tmp_path / "var", "quarter", current)
    assert_one_operator_line(done, current, "has not ended", "last closed one")
    assert not (tmp_path / "var" / "site").exists()


def test_kill_9_during_quarter_leaves_a_whole_site_and_the_next_run_repairs_it(
    tmp_path: Path, prefect_api: str
) -> None:
    root = tmp_path / "var"
    settings = Settings(data_root=root, render_workers=1)
    for number, finess in enumerate(SITES[:3]):
        drop(root, finess, "kpi.csv", 40 + number)
    ingest_in_process(settings)
    with open_warehouse(settings.warehouse_path) as con:
        freeze_edition(con, QUARTER, Rules(min_establishments=3, min_patients=11))
    site = Path(render_quarter_site(settings.warehouse_path, QUARTER, settings.site_dir, settings)).parent
    assert manifest_holds(site) == 1
    drop(root, SITES[3], "kpi.csv", 50)  # a late file: the next quarter run makes edition 2
    ingest_in_process(settings)

    log = tmp_path / "killed.log"
    with log.open("wb") as output:
        killed = subprocess.Popen(
            [sys.executable, "-c", KILLED_QUARTER.format(quarter=QUARTER)],
            env=cli_env(root, prefect_api),
            cwd=PROJECT,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        try:
            assert killed.wait(timeout=400) == -9, log.read_text()[-3000:]
        finally:  # the temporary Prefect API the killed command started outlives it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(killed.pid, signal.SIGKILL)
    assert manifest_holds(site) == 1, "the published folder is the previous one, whole"

    rerun = tlkpi(root, "quarter", QUARTER, api=prefect_api)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "nothing new since edition 2" in rerun.stdout and "rewritten" in rerun.stdout, rerun.stdout
    assert manifest_holds(site) == 2
    assert not [p for p in settings.site_dir.iterdir() if p.name.startswith((".staging", ".retired"))]

    before = {path: path.stat().st_mtime_ns for path in site.rglob("*")}
    again = tlkpi(root, "quarter", QUARTER, api=prefect_api)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("\n") == 1 and "published files unchanged" in again.stdout, again.stdout
    assert {path: path.stat().st_mtime_ns for path in site.rglob("*")} == before


@pytest.mark.parametrize("damage", ["header", "block"])
def test_a_corrupt_warehouse_is_one_line_and_nothing_is_touched(tmp_path: Path, damage: str) -> None:
    root = tmp_path / "var"
    settings = Settings(data_root=root)
    drop(root, SITES[0], "kpi.csv", 40)
    ingest_in_process(settings)
    waiting = drop(root, SITES[1], "kpi.csv", 41)
    with settings.warehouse_path.open("r+b") as handle:
        handle.seek(0 if damage == "header" else 12288)
        handle.write(os.urandom(64 * 1024))
    damaged = sha256(settings.warehouse_path)

    for command in (["ingest"], ["quarter", QUARTER], ["status"], ["backup", str(tmp_path / "backup")]):
        done = tlkpi(root, *command)
        assert_one_operator_line(done, str(settings.warehouse_path), "cannot be read", "tlkpi restore")
    assert sha256(settings.warehouse_path) == damaged
    assert waiting.exists(), "the waiting file stays in the inbox"
    assert not list((root / "processing").rglob("*.csv"))


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """A 24 MB tmpfs: a real device that fills up (mounting needs root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write until the device is full; the filler is removed to free it."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_one_line_nothing_is_lost_and_the_next_run_takes_the_file(
    small_disk: Path, prefect_api: str
) -> None:
    root = small_disk / "var"
    settings = Settings(data_root=root)
    drop(root, SITES[0], "first.csv", 40)
    ingest_in_process(settings)
    waiting = drop(root, SITES[1], "kpi.csv", 41)
    content = waiting.read_bytes()
    env_root = small_disk.parent / "shell" / "var"  # the Prefect home stays off the full disk
    env_root.mkdir(parents=True)
    filler = fill(small_disk)

    done = run([TLKPI, "ingest"], cli_env(env_root, prefect_api) | {"TLKPI_DATA_ROOT": str(root)})
    assert_one_operator_line(done, "no space left", "free space", "nothing was lost")
    assert waiting.read_bytes() == content, "the file is back in the inbox, unchanged"
    assert not list((root / "processing").rglob("*.csv"))

    filler.unlink()
    rerun = run([TLKPI, "ingest"], cli_env(env_root, prefect_api) | {"TLKPI_DATA_ROOT": str(root)})
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "1 accepted" in rerun.stdout, rerun.stdout
    assert not waiting.exists()
