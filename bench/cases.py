"""One measured case per function, run in its own process: `python -m bench.cases CASE ARG...`.

Each prints one JSON line: `seconds` (the timed work only: imports and set-up excluded unless the case
is about them), `rss_mb` (peak resident memory of the process) and case-specific details.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import duckdb

from bench.trash import set_aside

Result = dict[str, Any]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU of this process, of its finished children and of the fork server's finished
    workers (reports/workers.py: they are the server's children, not ours) so far: on a shared machine,
    what the work costs whatever else runs."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + _fork_server_cpu()


def _fork_server_cpu() -> float:
    """The fork server's CPU and its reaped children's, from /proc (0 when there is none)."""
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)  # no public API for it
    stat = Path(f"/proc/{pid}/stat")
    if pid is None or not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def _fresh_dir(path: str) -> Path:
    target = Path(path)
    set_aside(target)
    target.mkdir(parents=True)
    return target


def large_floor(csv_path: str, work: str) -> Result:
    """The floor: DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)` into a file database."""
    db = _fresh_dir(work) / "floor.duckdb"
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [csv_path])
    con.close()
    return {"seconds": time.perf_counter() - started}


def large_pipeline(csv_path: str, work: str) -> Result:
    """read_submission -> validate_table -> load_accepted into a fresh warehouse, stage by stage."""
    import great_expectations  # noqa: F401  (import cost belongs to the cold-start case)

    from schemas.catalogue import default_catalogue
    from schemas.reading import read_submission
    from schemas.validation import validate_table
    from warehouse.db import open_warehouse
    from warehouse.load import SubmissionRecord, load_accepted

    warehouse = _fresh_dir(work) / "tlkpi.duckdb"
    stages: dict[str, float] = {}
    started = time.perf_counter()
    table = read_submission(Path(csv_path))
    stages["read"] = time.perf_counter() - started
    verdict = validate_table(table, default_catalogue(), today=date.today())
    stages["validate"] = time.perf_counter() - started - stages["read"]
    if verdict.measurements is None:
        raise SystemExit(f"the benchmark file was rejected: {verdict.errors[:3]}")
    record = SubmissionRecord("bench", Path(csv_path).name, "kpi.csv", None, datetime(2026, 1, 5), "-", None)
    mark = time.perf_counter()
    with open_warehouse(warehouse) as con:
        loaded = load_accepted(con, record, verdict.measurements.to_arrow()).loaded
    stages["load"] = time.perf_counter() - mark
    return {"seconds": time.perf_counter() - started, "stages": stages, "rows": loaded}


def national_floor(root: str, work: str) -> Result:
    """The floor: DuckDB reads every inbox file with one glob into a file database."""
    db = _fresh_dir(work) / "floor.duckdb"
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE t AS SELECT * FROM read_csv(?, union_by_name = true)", [f"{root}/inbox/*/*.csv"]
    )
    rows = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows[0] if rows else 0}


def national_plain(root: str) -> Result:
    """The ingest run without Prefect (`ingest_inbox`, the flow's steps as plain calls), step by step."""
    import great_expectations  # noqa: F401

    from intake.run import Steps, ingest_inbox, local_steps
    from tlkpi.settings import Settings

    settings = Settings(data_root=Path(root), settle_seconds=0)  # files copied whole before the run
    names = {"sync_reference": "sync", "settle": "load"}
    stages: dict[str, float] = {}

    def timed(name: str, step: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            mark = time.perf_counter()
            value = step(*args)
            stages[name] = stages.get(name, 0.0) + time.perf_counter() - mark
            return value

        return run

    steps = Steps(
        *(
            timed(names.get(field, field), cast(Callable[..., Any], step))
            for field, step in zip(Steps._fields, local_steps(), strict=True)
        )
    )
    started = time.perf_counter()
    outcomes = ingest_inbox(settings, date.today(), steps=steps)
    seconds = time.perf_counter() - started
    accepted = sum(1 for o in outcomes if o.verdict == "accepted")
    return {"seconds": seconds, "stages": stages, "files": len(outcomes), "accepted": accepted}


def national_flow(root: str) -> Result:
    """The Prefect ingest flow against the running local Prefect server whose URL bench.run passes in
    PREFECT_API_URL (the served/production shape: `tlkpi serve` or a server pays its start once)."""
    if not os.environ.get("PREFECT_API_URL"):
        raise SystemExit("national_flow needs PREFECT_API_URL: run it through bench.run")
    from tlkpi.runtime_env import configure_runtime_env
    from tlkpi.settings import Settings

    # files copied whole before the run, as in national_plain: without this the flow's first look at
    # them waited the settle delay (10 s, a fixed wait, not work) before taking any
    os.environ["TLKPI_SETTLE_SECONDS"] = "0"
    configure_runtime_env(Settings(data_root=Path(root)))
    import great_expectations  # noqa: F401  (imports are not timed, as in national_plain)

    from flows.in_process import without_heartbeats
    from flows.ingest import ingest

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with without_heartbeats():  # as `tlkpi ingest` runs its flow in its own process
        outcomes = ingest(root)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    accepted = sum(1 for o in outcomes if o.verdict == "accepted")
    return {
        "seconds": seconds,
        "files": len(outcomes),
        "accepted": accepted,
        # on a disk that makes each new file costly (bench/notes.md, 2') the system time says so
        "cpu": {"user": after.ru_utime - before.ru_utime, "system": after.ru_stime - before.ru_stime},
    }


def national_entries(root: str) -> Result:
    """Context for target 2': the file-system entries an ingest makes and removes per file, alone, in the
    shape intake makes them (no parsing, validation nor warehouse). Per file: its reception sighting
    (a file), the claim's two folders, its record and the hashed copy, a link into archive/, two
    receipts in the establishment's outbox folder; then the sighting and the claim removed."""
    import hashlib
    import uuid

    base = Path(root)
    files = sorted(base.glob("inbox/*/*"))
    reception, processing, archive, outbox = (
        base / name for name in ("reception", "processing", "archive", "outbox")
    )
    for folder in (reception, processing, archive, outbox):
        folder.mkdir(exist_ok=True)
    started = time.perf_counter()
    for path in files:
        finess, token = path.parent.name, uuid.uuid4().hex
        seen = reception / f"{hashlib.sha256(str(path).encode()).hexdigest()}.seen"
        (reception / f".{seen.name}.tmp").write_text("{}")
        os.replace(reception / f".{seen.name}.tmp", seen)
        claim = processing / token
        (claim / finess).mkdir(parents=True)
        (claim / "claim.json").write_text("{}")
        target = claim / finess / path.name
        os.rename(path, target)
        data = target.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        (claim / ".content").write_bytes(data)
        os.replace(claim / ".content", target)
        (archive / digest[:2]).mkdir(exist_ok=True)
        os.link(target, archive / digest[:2] / f"{digest}.csv")
        (outbox / finess).mkdir(exist_ok=True)
        for suffix, size in ((".json", 3_000), (".html", 6_000)):
            temporary = outbox / finess / f".{token}.part"
            temporary.write_bytes(b"x" * size)
            os.replace(temporary, outbox / finess / f"{token}{suffix}")
        seen.unlink()
        shutil.rmtree(claim)
    return {"seconds": time.perf_counter() - started, "files": len(files)}


def warehouse_floor(warehouse: str) -> Result:
    """The floor: one grouped scan of the facts in effect (what experimentation_quarter must read)."""
    con = duckdb.connect(warehouse, read_only=True)
    started = time.perf_counter()
    con.execute(
        """
        SELECT count(*) FROM (SELECT finess, use_case, kpi, phase, quarter, avg(value), sum(numerator), sum(denominator)
        FROM measurement WHERE NOT superseded GROUP BY ALL)
        """
    ).fetchone()
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds}


def warehouse_quarter(warehouse: str, quarter: str, work: str) -> Result:
    """The quarter's marts (the aggregate task: freeze the edition) and its open-data tables."""
    from disclosure.editions import find_edition, read_benchmark, read_roi
    from reports.site.open_data import write_open_data
    from tasks.aggregate import aggregate_quarter
    from tlkpi.settings import Settings
    from warehouse.db import open_warehouse

    settings = Settings(data_root=Path(warehouse).parent.parent)
    forget_editions(warehouse, quarter)
    started = time.perf_counter()
    summary = aggregate_quarter.fn(settings, quarter)
    marts = time.perf_counter() - started
    with open_warehouse(settings.warehouse_path, read_only=True) as con:
        edition = find_edition(con, quarter, summary.edition)
        assert edition is not None
        cells, roi = read_benchmark(con, edition), read_roi(con, edition)
    write_open_data(_fresh_dir(work), cells, roi)
    seconds = time.perf_counter() - started
    stages = {"marts (freeze edition)": marts, "open data": seconds - marts}
    return {"seconds": seconds, "stages": stages, "cells": summary.cells, "created": summary.created}


def forget_editions(warehouse: str, quarter: str) -> None:
    """Remove the editions of `quarter` an earlier run froze, so that every run freezes its first
    edition (the same work; on a warehouse holding one, a run would only find "nothing new")."""
    from warehouse.db import open_warehouse

    with open_warehouse(Path(warehouse)) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_name LIKE 'edition%' "
            "AND column_name = 'quarter' AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE') ORDER BY table_name <> 'edition', table_name"
        ).fetchall()
        for (table,) in reversed(tables):  # `edition` last
            con.execute(f'DELETE FROM "{table}" WHERE quarter = $quarter', {"quarter": quarter})


def marts_sql(warehouse: str, quarter: str) -> Result:
    """The SQL half of freezing an edition: each named query of the warehouse on its own."""
    from warehouse.queries import fetch_dicts

    con = duckdb.connect(warehouse, read_only=True)
    stages: dict[str, float] = {}
    started = time.perf_counter()
    for name in ("edition_inputs", "cell_contributions", "roi_contributions", "quarter_overview"):
        mark = time.perf_counter()
        fetch_dicts(con, name, {"quarter": quarter})
        stages[name] = time.perf_counter() - mark
    seconds = time.perf_counter() - started
    con.close()
    return {"seconds": seconds, "stages": stages}


def warehouse_history(warehouse: str) -> Result:
    """What an ingest run of one establishment's file reads for its unusual-value warnings."""
    import duckdb

    from warehouse.history import load_history

    with duckdb.connect(warehouse, read_only=True) as con:
        row = con.execute("SELECT min(finess) FROM measurement").fetchone()
    started = time.perf_counter()
    history = load_history(Path(warehouse), [row[0]] if row else [])
    return {"seconds": time.perf_counter() - started, "keys": len(history)}


def publication(warehouse: str, quarter: str, work: str) -> Result:
    """What the quarter flow renders after freezing the edition (flows/quarter.py, tasks/render.py,
    without Prefect): the public site of the latest edition and the private reports of every
    establishment, side by side in two threads as the flow submits them. Stages are each one's own time."""
    from reports.private.writer import render_private_reports
    from reports.site.writer import render_quarter_site
    from tlkpi.settings import Settings

    settings = Settings(data_root=Path(warehouse).parent.parent)
    root = _fresh_dir(work)
    os.sync()  # the removal of the previous run's 28,000 files is not this run's cost

    def timed(render: Callable[[], Any]) -> tuple[float, Any]:
        mark = time.perf_counter()
        value = render()
        return time.perf_counter() - mark, value

    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as threads:
        site = threads.submit(
            timed, lambda: render_quarter_site(settings.warehouse_path, quarter, root / "site", settings)
        )
        private = threads.submit(
            timed,
            lambda: render_private_reports(
                settings.warehouse_path, quarter, root / "private", settings.render_workers
            ),
        )
        (site_seconds, _), (private_seconds, indexes) = site.result(), private.result()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    files = [p for p in root.rglob("*") if p.is_file()]
    site_files = [p for p in files if p.parts[len(root.parts)] == "site"]
    return {
        "seconds": seconds,
        "stages": {"site": site_seconds, "private reports": private_seconds},
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "site_files": len(site_files),
        "site_bytes": sum(p.stat().st_size for p in site_files),
        "establishments": len(indexes),
        "cpu_seconds": cpu,
    }


def publication_floor(rendered: str, work: str) -> Result:
    """The floor: write the same files (same count and bytes) with plain Path.write_bytes."""
    source = Path(rendered)
    contents = [(p.relative_to(source), p.read_bytes()) for p in sorted(source.rglob("*")) if p.is_file()]
    target = _fresh_dir(work)
    os.sync()
    started = time.perf_counter()
    for relative, data in contents:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_bytes(data)
    return {"seconds": time.perf_counter() - started, "files": len(contents)}


CASES: dict[str, Callable[..., Result]] = {
    f.__name__: f
    for f in (
        large_floor, large_pipeline, national_floor, national_plain, national_flow, national_entries,
        warehouse_floor, warehouse_quarter, marts_sql, warehouse_history, publication, publication_floor,
    )
}  # fmt: skip


def main(argv: list[str]) -> None:
    result = CASES[argv[0]](*argv[1:])
    result["rss_mb"] = _peak_rss_mb()
    print("BENCH_RESULT " + json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
