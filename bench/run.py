"""The performance harness of issue 7: `make bench` or `.venv/bin/python -m bench.run [--quick]`.

Every figure is a ratio to a floor measured in the same run on the same data (machines are noisy);
each is the median of several runs (min and max shown), each run in a fresh process. Writes
BENCHMARKS.md: the table, the data sizes, the machine, and the notes of bench/notes.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.commands import bench_commands
from bench.data import BENCH_QUARTER, PROJECT, fresh_copy, large_files, national_inbox, small_file
from bench.harness import PREFECT_HOME, PYTHON, RUN_DIR, TLKPI, Figure, bench_env, measure_command
from bench.report import Row, write_report
from bench.served import SERVED_INTERVAL, free_port, ingest_with_served_server, served_latency
from bench.throughput import bench_inbox
from bench.trash import empty_trash, set_aside
from bench.warehouse_data import national_warehouse

SLOW_RUN_SECONDS = 40.0  # a case slower than this (and far off its target) is run once only


def run_case(
    case: str, *args: str, timeout: float = 900, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one case of bench.cases in a fresh process (`env` added to its environment); its JSON result
    (or `timed_out`)."""
    try:
        done = subprocess.run(
            [PYTHON, "-m", "bench.cases", case, *args],
            cwd=PROJECT, env=bench_env() | (env or {}), capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"timed_out": timeout}
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return dict(json.loads(line.removeprefix("BENCH_RESULT ")))
    print(f"case {case} failed:\n{done.stderr[-3000:]}", file=sys.stderr, flush=True)
    last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    return {"failed": last[-300:]}


def measure(
    case: str,
    *args: str,
    runs: int,
    prepare: Any = None,
    timeout: float = 900,
    slow_after: float = SLOW_RUN_SECONDS,
    env: dict[str, str] | None = None,
) -> Figure:
    """Median of `runs` runs; stop after one run when it is slower than `slow_after` seconds.
    `detail` is the result of the median run (of the lower middle one for an even count)."""
    figure = Figure([])
    results = []
    for _ in range(runs):
        if prepare is not None:
            prepare()
        os.sync()  # the writes of the preparation and of earlier cases reach the disk before the clock starts
        result = run_case(case, *args, timeout=timeout, env=env)
        if "timed_out" in result:
            figure.note = f"timed out after {timeout:.0f} s"
            break
        if "failed" in result:  # a missing prerequisite or a fault: said in the report, not a crash
            figure.note = f"failed: {result['failed']}"
            break
        results.append(result)
        figure.values.append(result["seconds"])
        figure.rss_mb = max(figure.rss_mb, result["rss_mb"])
        if result["seconds"] > slow_after and len(results) < runs:
            figure.note = f"stopped after a run over {slow_after:.0f} s"
            break
    if results:
        figure.detail = sorted(results, key=lambda result: result["seconds"])[(len(results) - 1) // 2]
    return figure


def ratio(figure: Figure, floor: Figure) -> float:
    return figure.median / floor.median if figure.values and floor.values else float("nan")


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def stages(figure: Figure) -> str:
    parts = figure.detail.get("stages", {})
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items())


FIXED_COST_ROWS = 1_000  # a file this small costs a run what every file costs it


def bench_large(rows: int, runs: int, report: list[Row], notes: list[str]) -> None:
    """The large file against DuckDB's CTAS of it, as the issue measures it: (large − 1,000 rows) / CTAS,
    so what any file pays once (a new warehouse's migrations, the first validation) is not counted as
    the cost of its rows; the plain ratio is shown beside it."""
    files, fixed = large_files(rows), large_files(FIXED_COST_ROWS)
    work = str(RUN_DIR / "large")
    floor = measure("large_floor", str(files.utf8), work, runs=runs)
    size = f"{rows:,} rows, {files.utf8.stat().st_size / 1e6:.0f} MB (UTF-8) / {files.cp1252.stat().st_size / 1e6:.0f} MB (cp1252)"
    for label, path, small, limit in (("UTF-8", files.utf8, fixed.utf8, 2.5),
                                      ("cp1252 `;` decimal comma", files.cp1252, fixed.cp1252, 3.0)):  # fmt: skip
        figure = measure("large_pipeline", str(path), work, runs=runs)
        base = measure("large_pipeline", str(small), work, runs=runs)
        r = (
            (figure.median - base.median) / floor.median
            if figure.values and base.values and floor.values
            else float("nan")
        )
        report.append(Row(f"1. one large file, {label}: read → validate → load", figure.span(), floor.span(),
                          f"{r:.1f}×", f"(file − {FIXED_COST_ROWS:,} rows) ≤ {limit}× floor, RSS ≤ 1.5 GB",
                          verdict(r <= limit and figure.rss_mb <= 1536),
                          f"{size}; {FIXED_COST_ROWS:,} rows: {base.span()}; plain ratio {ratio(figure, floor):.1f}×"))  # fmt: skip
        notes.append(
            f"- 1 ({label}): stages of the last run: {stages(figure)}; peak RSS {figure.rss_mb:.0f} MB. {figure.note}"
        )
        notes.append(f"- 1 ({label}, {FIXED_COST_ROWS:,} rows, the fixed cost): stages {stages(base)}.")
    notes.append(f"- 1 floor: DuckDB CTAS of the UTF-8 file into a file database, {floor.span()}.")


@contextlib.contextmanager
def bench_prefect_server() -> Iterator[str]:
    """One local Prefect server (`flows.serve.local_server`, database in the bench's PREFECT_HOME) for
    every run of the flow case, as a served deployment or a worker has; its start is not timed."""
    from flows.serve import local_server
    from tlkpi.settings import Settings

    assert os.environ["PREFECT_HOME"] == str(PREFECT_HOME), "main() sets the bench's Prefect home first"
    with local_server(Settings(server_port=free_port())) as url:
        yield f"{url}/api"


def bench_national(files: int, flow_files: int, runs: int, report: list[Row], notes: list[str]) -> None:
    """Plain steps on `files` files; the Prefect flow (against a running local server) on `flow_files`."""
    figures = {}
    floors: dict[int, Figure] = {}  # one floor per file count: the two rows share it when counts match
    for label, count, case in (("same steps, no Prefect", files, "national_plain"),
                               ("ingest flow (Prefect server running)", flow_files, "national_flow")):  # fmt: skip
        template = national_inbox(count)
        root = RUN_DIR / "national"
        if count not in floors:
            floors[count] = measure(
                "national_floor", str(template), str(RUN_DIR / "national-floor"), runs=runs
            )
        floor = floors[count]
        with contextlib.ExitStack() as stack:
            env = (
                {"PREFECT_API_URL": stack.enter_context(bench_prefect_server())}
                if case == "national_flow"
                else {}
            )
            figure = measure(  # about 30-45 s a run, close to the goal: every run is made
                case,
                str(root),
                runs=runs,
                prepare=lambda t=template, r=root: fresh_copy(t, r),
                slow_after=120,
                env=env,
            )
        figures[case] = (figure, count, floor)
        rate = count / figure.median if figure.values else float("nan")
        size = f"{count:,} files × 195 rows = {count * 195:,} rows, one per establishment folder"
        report.append(Row(f"2. national quarter, {label}", f"{figure.span()} = {rate:.1f} files/s", floor.span(),
                          f"{ratio(figure, floor):.1f}×", "≥ 30 files/s", verdict(rate >= 30), size))  # fmt: skip
    plain, plain_files, floor = figures["national_plain"]
    flow, flow_files, _ = figures["national_flow"]
    overhead = flow.median - plain.median * flow_files / plain_files
    notes.append(f"- 2: Prefect's own overhead (flow − plain steps scaled to {flow_files} files, medians): {overhead:.1f} s "
                 f"= {1000 * overhead / flow_files:.0f} ms per file. Plain stages ({plain_files} files): {stages(plain)}. "
                 f"Accepted: {plain.detail.get('accepted')}/{plain.detail.get('files')} (plain), "
                 f"{flow.detail.get('accepted')}/{flow.detail.get('files')} (flow). {flow.note}")  # fmt: skip
    notes.append(f"- 2 floor: DuckDB reads all the files with one `read_csv` glob, {floor.span()}.")


def bench_warehouse(establishments: int, runs: int, report: list[Row], notes: list[str]) -> tuple[Path, str]:
    """Target 3; the warehouse and, when its edition was not frozen, why (target 4 needs it)."""
    path, n_rows, built = national_warehouse(establishments)
    size = f"{n_rows:,} measurements ({establishments:,} est. × 17 UC × 30 KPIs × 24 months), {path.stat().st_size / 1e9:.1f} GB"
    work = str(RUN_DIR / "open-data")
    floor = measure("warehouse_floor", str(path), runs=runs)
    # the joint audit of the series (issue 21) runs in the freeze: minutes, so one run when it is slow
    as_is = measure(
        "warehouse_quarter", str(path), BENCH_QUARTER, work, runs=runs, timeout=1800, slow_after=60
    )
    sql = measure("marts_sql", str(path), BENCH_QUARTER, runs=1)
    history = measure("warehouse_history", str(path), runs=runs)
    shown = as_is.span() if as_is.values else f"> 30 min ({as_is.note})"
    report.append(Row("3. national warehouse: quarter marts + open-data tables", shown, floor.span(),
                      f"{ratio(as_is, floor):.1f}×" if as_is.values else "> 10×", "≤ 10 s, RSS ≤ 4 GB",
                      verdict(bool(as_is.values) and as_is.median <= 10 and as_is.rss_mb <= 4096), size))  # fmt: skip
    notes.append(f"- 3: stages: {stages(as_is)}; peak RSS {as_is.rss_mb:.0f} MB. "
                 f"SQL alone (one run): {stages(sql)}. Warehouse generated in {built:.0f} s (0 = cached).")  # fmt: skip
    notes.append(
        f"- 3 floor: one grouped scan of the facts in effect to (establishment, use case, KPI, phase, quarter), {floor.span()}."
    )
    notes.append(f"- 3 extra: `load_history` for one establishment's file on this warehouse: "
                 f"{history.span()}, {history.detail.get('keys', 0):,} keys, peak RSS {history.rss_mb:.0f} MB.")  # fmt: skip
    return path, ("" if as_is.values else f"target 3 froze no edition of {BENCH_QUARTER} ({as_is.note})")


def bench_site(warehouse: Path, missing: str, runs: int, report: list[Row], notes: list[str]) -> None:
    target = "4. publication: public site (+ open data) and every private report"
    if missing:
        report.append(
            Row(target, "not measured", "—", "—", "site + 1,500 private reports ≤ 60 s", "n/a", missing)
        )
        return
    rendered = RUN_DIR / "publication"
    # runs of about a minute: every run is made unless one is far off the 60 s goal
    figure = measure(
        "publication", str(warehouse), BENCH_QUARTER, str(rendered), runs=runs, timeout=1800, slow_after=120
    )
    floor = measure("publication_floor", str(rendered), str(RUN_DIR / "publication-floor"), runs=runs)
    detail = figure.detail
    size = (f"{detail.get('establishments', 0):,} private reports + public site: {detail.get('files', 0):,} files, "
            f"{detail.get('bytes', 0) / 1e6:.1f} MB (site {detail.get('site_files', 0)} files, "
            f"{detail.get('site_bytes', 0) / 1e6:.1f} MB)")  # fmt: skip
    shown = figure.span() if figure.values else f"> 30 min ({figure.note})"
    report.append(Row(target, shown, floor.span(),
                      f"{ratio(figure, floor):.0f}×", "site + 1,500 private reports ≤ 60 s",
                      verdict(bool(figure.values) and figure.median <= 60), size))  # fmt: skip
    notes.append(f"- 4: stages of the median run (the quarter flow's two render tasks, side by side, each its own time; "
                 f"no Prefect): {stages(figure)}; "
                 f"CPU time (user + system, worker processes included) {detail.get('cpu_seconds', 0):.0f} s on "
                 f"{os.cpu_count()} CPUs; peak RSS {figure.rss_mb:.0f} MB (main process). {figure.note}")  # fmt: skip
    notes.append(
        "- 4 floor: writing the same files (count and bytes) with `Path.write_bytes` into an emptied folder "
        "(both the case and its floor sync the removal of the previous run first)."
    )


def bench_cold(runs: int, report: list[Row], notes: list[str]) -> None:
    path = small_file()
    check = measure_command([TLKPI, "check", str(path)], runs)
    floor = measure_command([PYTHON, "-c", f"import polars; polars.read_csv({str(path)!r})"], runs)
    report.append(Row("5. cold `tlkpi check` on a 200-row file", check.span(), floor.span(),
                      f"{ratio(check, floor):.1f}×", "≤ 5 s", verdict(check.median <= 5),
                      "200 rows"))  # fmt: skip
    inbox_root = RUN_DIR / "one-file"

    def one_file_root() -> None:
        set_aside(inbox_root)
        target = inbox_root / "inbox" / "010000008"
        target.mkdir(parents=True)
        shutil.copy(path, target / path.name)

    one_file_root()  # context for 5'', not a target of its own: one run (about 20 s) is enough
    # the file was copied just now: taken at once, as it would be once settled
    ingest = measure_command(
        [TLKPI, "ingest", "--data-root", str(inbox_root)], 1, {"TLKPI_SETTLE_SECONDS": "0"}
    )
    report.append(Row("5'. cold `tlkpi ingest` of one file (what an unserved scheduled run adds to its interval)",
                      ingest.span(), floor.span(), f"{ratio(ingest, floor):.1f}×",
                      "context for 5'', not a target", "—", "1 file, 200 rows"))  # fmt: skip
    notes.append(f"- 5 floor: a cold `python -c 'import polars; polars.read_csv(FILE)'`. `tlkpi check` exit code "
                 f"{check.detail.get('exit')}, peak RSS {check.rss_mb:.0f} MB. 5' is the per-run cost of an "
                 "unserved run (a cold CLI ingest starts Prefect's temporary API); a served deployment pays it once.")  # fmt: skip
    with_server = ingest_with_served_server(path, runs=max(runs, 2))
    report.append(Row("5'''. `tlkpi ingest` of one file while `tlkpi serve` runs (commands use its server)",
                      with_server.span(), ingest.span(), f"{ratio(with_server, ingest):.2f}× 5'", "≤ 3 s",
                      verdict(bool(with_server.values) and with_server.median <= 3), "1 file, 200 rows"))  # fmt: skip
    notes.append("- 5''': the same one-file `tlkpi ingest` as 5', in the same run, with `tlkpi serve` running "
                 "(its server recorded in PREFECT_HOME/server.json): no temporary API to start. "
                 f"Server start not counted ({with_server.detail.get('startup', float('nan')):.0f} s).")  # fmt: skip
    served = served_latency(path, SERVED_INTERVAL, drops=max(runs, 2))
    worst = max(served.values) if served.values else float("nan")
    report.append(Row("5''. served `inbox` deployment: file dropped → verdict", served.span(), f"interval {SERVED_INTERVAL:.0f} s",
                      f"worst − interval = {worst - SERVED_INTERVAL:+.1f} s", "≤ interval + 15 s",
                      verdict(bool(served.values) and worst <= SERVED_INTERVAL + 15), "1 file of 200 rows per drop"))  # fmt: skip
    notes.append(f"- 5'': `tlkpi serve --interval {SERVED_INTERVAL:.0f}` in its own process (started and warmed up "
                 f"in {served.detail.get('startup', float('nan')):.0f} s, not counted); each drop copies a distinct "
                 "file into the inbox at a random moment of the interval and waits for it to reach archive/ or "
                 "rejected/. The worst case is a file landing just after a poll: interval + one run.")  # fmt: skip


def bench_lake(files: int, runs: int, report: list[Row], notes: list[str]) -> None:
    """Target 6: small files by 1 and 2 workers on the DuckDB file and on a DuckLake, an analyst querying;
    the four cases `runs` times, interleaved, each figure the median of its runs."""
    from bench.lake import BATCH_FILES, bench_lake_runs, postgres_missing

    missing = postgres_missing()
    if missing:
        report.append(Row(f"6. {files:,} small files, 1 and 2 workers", "not measured", "—", "—",
                          "lake: 2 workers ≥ 1.6× one", "n/a", missing))  # fmt: skip
        return
    cases: dict[tuple[str, int], list[Any]] = {}  # (backend, workers) -> its runs, in round order
    for run in bench_lake_runs(files, runs):
        cases.setdefault((run.backend, run.workers), []).append(run)
    for (backend, workers), mine in cases.items():
        waits = sorted(w for r in mine for w in r.waits)
        median_wait = waits[len(waits) // 2] if waits else float("nan")
        worst = max((r.worst_wait for r in mine), default=float("nan"))
        rates = Figure([r.rate for r in mine])
        report.append(Row(f"6. {files:,} small files, {backend} backend, {workers} worker(s)",
                          f"{statistics.median(r.seconds for r in mine):.1f} s = {rates.span('files/s')}", "—",
                          f"analyst's worst query {worst:.2f} s (median {median_wait:.2f} s)",
                          "lake: no analyst query waits > 1 s", verdict(worst <= 1 if backend == "ducklake" else None),
                          f"{files:,} files × 4 rows, batches of {BATCH_FILES}; "
                          f"{min(r.loaded for r in mine):,} loaded"))  # fmt: skip
    for backend in ("file", "ducklake"):
        one, two = cases[(backend, 1)], cases[(backend, 2)]
        rate = [statistics.median(r.rate for r in side) for side in (one, two)]
        loading = [statistics.median(r.loading_rate for r in side) for side in (one, two)]
        rounds = ", ".join(f"{b.rate / a.rate:.2f}×" for a, b in zip(one, two, strict=True))
        report.append(Row(f"6. {backend} backend: 2 workers against 1", f"{rate[1]:.1f} against {rate[0]:.1f} files/s",
                          "1 worker", f"{rate[1] / rate[0]:.2f}× (loading: {loading[1] / loading[0]:.2f}×)",
                          "lake: 2 workers ≥ 1.6× one" if backend == "ducklake" else "none: one writer at a time",
                          verdict(rate[1] / rate[0] >= 1.6) if backend == "ducklake" else "n/a",
                          f"medians of {len(one)} round(s) (each round: {rounds}); loading: from the first batch's "
                          f"load to the last, {loading[1]:.1f} against {loading[0]:.1f} files/s"))  # fmt: skip
    notes.append("- 6: each worker is a process running the ingest tasks in a loop (no Prefect), claiming "
                 f"{BATCH_FILES} files at a time; the analyst queries `measurement_latest` every second (on the "
                 "file: opening it read-only each time, waiting for the writer's lock; on the lake: one session, "
                 f"the latest snapshot each time). The four cases run {runs} time(s), interleaved; the lake's "
                 "catalogue is a throwaway PostgreSQL cluster on the same machine.")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: small data, one run each")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument(
        "--only", nargs="*", default=["1", "2", "3", "4", "5", "6", "7"], help="targets to run"
    )
    parser.add_argument("--output", default=str(PROJECT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    # this process imports Prefect too (the served cases' server): it uses the bench's home, as the
    # measured processes do (bench_env), not the one `make` exports (var/prefect, often not there)
    os.environ["PREFECT_HOME"] = str(PREFECT_HOME)
    PREFECT_HOME.mkdir(parents=True, exist_ok=True)
    runs = 1 if args.quick else args.runs
    empty_trash()  # an interrupted bench's leftovers, before any timed run
    started = time.perf_counter()
    report: list[Row] = []
    notes: list[str] = []
    sections: dict[str, float] = {}

    def timed(name: str, step: Any) -> Any:
        mark = time.perf_counter()
        result = step()
        sections[name] = time.perf_counter() - mark
        print(f"target {name}: {sections[name]:.0f} s", file=sys.stderr, flush=True)
        return result

    if "1" in args.only:
        timed("1", lambda: bench_large(100_000 if args.quick else 1_000_000, runs, report, notes))
    if "2" in args.only:
        count = 150 if args.quick else 1_500
        timed("2", lambda: bench_national(count, count, runs, report, notes))
        timed("2'", lambda: bench_inbox(runs, report, notes, measure, bench_prefect_server, Row, verdict))
    if "3" in args.only or "4" in args.only:
        warehouse, missing = timed(
            "3", lambda: bench_warehouse(100 if args.quick else 1_500, runs, report, notes)
        )
        if "4" in args.only:
            timed("4", lambda: bench_site(warehouse, missing, runs, report, notes))
    if "5" in args.only:
        timed("5", lambda: bench_cold(runs, report, notes))
    if "6" in args.only:
        timed("6", lambda: bench_lake(150 if args.quick else 1_500, runs, report, notes))
    if "7" in args.only:
        timed("7", lambda: bench_commands(runs, report, notes, Row, verdict))
    text = write_report(report, notes, args.quick, time.perf_counter() - started, sections)
    empty_trash()
    Path(args.output).write_text(text, encoding="utf-8")
    print(text.split("## Machine")[0])
    print(f"Written: {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
