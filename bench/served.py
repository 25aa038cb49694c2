"""Case 5'': the served inbox deployment, timed from a file landing in the inbox to its verdict."""

from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

from bench.data import PROJECT
from bench.harness import RUN_DIR, TLKPI, Figure, bench_env
from bench.trash import set_aside
from tests.support.ports import free_port

SERVED_INTERVAL = 20.0  # prefect.yaml polls every 300 s; the goal (interval + 15 s) holds for any interval


def served_latency(template: Path, interval: float, drops: int) -> Figure:
    """Seconds from a file landing in the inbox to its verdict, with `tlkpi serve` running."""
    root = RUN_DIR / "served"
    set_aside(root)
    (root / "inbox").mkdir(parents=True)
    # a Prefect home of its own: with the thousands of runs of case 2 in its database, the server's
    # start and a drop's worst case were both about twice as long (98 s and 54 s in one run)
    env = bench_env() | {"PREFECT_HOME": str(root / "prefect")}
    command = [TLKPI, "serve", "--data-root", str(root), "--interval", str(interval)]
    server = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    figure = Figure([])
    started = time.perf_counter()
    try:
        warehouse = root / "warehouse" / "tlkpi.duckdb"
        while not warehouse.exists() and time.perf_counter() - started < 300:  # the first (empty) run
            time.sleep(0.5)
        figure.detail["startup"] = time.perf_counter() - started
        lines = template.read_text(encoding="utf-8").splitlines()
        rng = random.Random(7)
        for number in range(drops):
            time.sleep(rng.uniform(0, interval))
            settled = _settled_files(root)
            folder = root / "inbox" / lines[1].split(",")[0]
            folder.mkdir(parents=True, exist_ok=True)
            text = "\n".join(lines[: len(lines) - number]) + "\n"  # distinct bytes: not a duplicate
            dropped = time.perf_counter()
            (folder / f"kpi_{number}.csv").write_text(text, encoding="utf-8")
            while _settled_files(root) == settled and time.perf_counter() - dropped < interval + 120:
                time.sleep(0.1)
            figure.values.append(time.perf_counter() - dropped)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
    return figure


def _settled_files(root: Path) -> int:
    return sum(1 for folder in ("archive", "rejected") for p in (root / folder).rglob("*") if p.is_file())


def ingest_with_served_server(template: Path, runs: int) -> Figure:
    """Seconds of a one-file `tlkpi ingest` while `tlkpi serve` runs: the command uses its server."""
    root = RUN_DIR / "with-server"
    set_aside(root)
    root.mkdir(parents=True)
    env = bench_env() | {"PREFECT_HOME": str(root / "prefect"), "TLKPI_SERVER_PORT": str(free_port())}
    env["TLKPI_SETTLE_SECONDS"] = "0"  # the file is written whole just before: take it at once
    log = root / "serve.log"
    with log.open(
        "wb"
    ) as output:  # it polls its own, empty data root once an hour: the timed commands ingest
        server = subprocess.Popen([TLKPI, "serve", "--data-root", str(root / "served"), "--create", "--interval", "3600"],
                                  cwd=PROJECT, env=env, stdout=output, stderr=output, start_new_session=True)  # fmt: skip
    figure = Figure([])
    started = time.perf_counter()
    try:
        while "Prefect UI: " not in log.read_text(errors="replace") and time.perf_counter() - started < 300:
            time.sleep(0.5)
        figure.detail["startup"] = time.perf_counter() - started
        lines = template.read_text(encoding="utf-8").splitlines()
        for number in range(runs):
            target = root / "var" / "inbox" / "010000008"
            target.mkdir(parents=True, exist_ok=True)
            text = "\n".join(lines[: len(lines) - number]) + "\n"  # distinct bytes: not a duplicate
            (target / f"kpi_{number}.csv").write_text(text, encoding="utf-8")
            began = time.perf_counter()
            done = subprocess.run([TLKPI, "ingest", "--data-root", str(root / "var"), "--create"], cwd=PROJECT,
                                  env=env, capture_output=True, text=True, check=False)  # fmt: skip
            figure.values.append(time.perf_counter() - began)
            # a run that took nothing (or failed) would time nothing: count it as a failure
            figure.detail["exit"] = done.returncode if "1 accepted" in done.stdout else -1
            figure.detail["handed_over"] = "handed to `tlkpi serve`" in done.stderr
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)
    return figure
