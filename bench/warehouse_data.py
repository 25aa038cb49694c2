"""The national warehouse, generated in DuckDB with SQL: establishments x use cases x KPIs x months.

The catalogue holds 13 KPIs; the national target counts 30, so 17 synthetic KPIs (clones of the real
ones: same domain, kind, range) are added to the `kpi` and `kpi_use_case` tables after
`sync_catalogue`. Do not run `sync_reference` (the quarter flow) on this file: it would drop them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa

from bench.data import CACHE, GENERATOR_VERSION, establishments
from schemas.catalogue import default_catalogue
from warehouse.db import open_warehouse
from warehouse.reference import sync_catalogue

_SYNTHETIC_KPIS = """
INSERT INTO kpi
SELECT k.code || '_SYN' || s.i, k.label || ' (synthétique ' || s.i || ')', k.definition, k.domain, k.unit,
       k.kind, k.direction, k.min_value, k.max_value, k.threshold
FROM (SELECT *, row_number() OVER (ORDER BY code) - 1 AS n FROM kpi) k
JOIN range(1, 3) s(i) ON k.n + 13 * (s.i - 1) < $extra
"""

_SYNTHETIC_PAIRS = """
INSERT INTO kpi_use_case
SELECT k.code, u.code FROM kpi k, use_case u WHERE k.code NOT IN (SELECT kpi FROM kpi_use_case)
"""

_SUBMISSIONS = """
INSERT INTO submission (id, sha256, original_name, inbox_path, inbox_finess, received_at, status,
                        n_rows, n_issues, stored_path)
SELECT e.i + 1, 'bench' || e.i, 'kpi.csv', e.finess || '/kpi.csv', e.finess,
       TIMESTAMP '2026-01-05 08:00:00' + INTERVAL (e.i) MINUTE, 'accepted', 0, 0, 'archive/bench'
FROM bench_establishment e
"""

# one row per (establishment, use case, KPI, month); values spread by an integer hash of the key
_MEASUREMENTS = """
INSERT INTO measurement (submission_id, source_row, finess, use_case, domain, kpi, period, quarter,
                         phase, value, numerator, denominator, n_patients, comment)
WITH k AS (SELECT *, row_number() OVER (ORDER BY code) - 1 AS ki FROM kpi),
u AS (SELECT code, row_number() OVER (ORDER BY code) - 1 AS ui FROM use_case),
grid AS (
    SELECT e.i AS ei, e.finess, u.code AS use_case, u.ui, k.code AS kpi, k.ki, k.domain, k.kind,
           k.min_value AS lo, least(k.max_value, k.min_value + 500) AS high, m.range AS mi,
           ((e.i * 7919 + u.ui * 104729 + k.ki * 1299709 + m.range * 15485863) % 10007) / 10007.0 AS r
    FROM bench_establishment e, u, k, range(24) m
),
typed AS (
    SELECT *, 40 + CAST(r * 560 AS INTEGER) AS den,
           printf('%04d-%02d', 2024 + mi // 12, mi % 12 + 1) AS period,
           printf('%04d-T%d', 2024 + mi // 12, (mi % 12) // 3 + 1) AS quarter
    FROM grid
)
SELECT ei + 1, row_number() OVER (PARTITION BY ei), finess, use_case, domain, kpi, period, quarter,
       CASE WHEN mi < 12 THEN 'reference' ELSE 'pilote' END,
       CASE WHEN kind = 'rate' THEN round(100 * floor(den * (0.05 + 0.9 * r)) / den, 1)
            ELSE round(lo + (high - lo) * (0.1 + 0.8 * r), 1) END,
       CASE WHEN kind = 'rate' THEN floor(den * (0.05 + 0.9 * r)) END,
       CASE WHEN kind = 'rate' THEN den END,
       12 + CAST(r * 880 AS INTEGER),
       NULL
FROM typed
"""


def national_warehouse(n_establishments: int, n_kpis: int = 30) -> tuple[Path, int, float]:
    """(path, measurements, generation seconds) of the generated warehouse; cached once built."""
    path = CACHE / f"warehouse-{GENERATOR_VERSION}-{n_establishments}x{n_kpis}" / "warehouse" / "tlkpi.duckdb"
    if path.exists():
        with open_warehouse(path) as con:  # a writer: brings a cached warehouse to the latest migration
            row = con.execute("SELECT count(*) FROM measurement").fetchone()
        return path, int(row[0]) if row else 0, 0.0
    started = time.perf_counter()
    tmp = path.with_name("building.duckdb")
    tmp.unlink(missing_ok=True)
    with open_warehouse(tmp) as con:
        sync_catalogue(con, default_catalogue())
        con.execute(_SYNTHETIC_KPIS, {"extra": n_kpis - 13})
        con.execute(_SYNTHETIC_PAIRS)
        finess = establishments(n_establishments)
        con.register("bench_establishment_arrow", pa.table({"i": range(len(finess)), "finess": finess}))
        con.execute("CREATE TEMP TABLE bench_establishment AS SELECT * FROM bench_establishment_arrow")
        con.execute(_SUBMISSIONS)
        con.execute("INSERT INTO establishment (finess) SELECT finess FROM bench_establishment")
        con.execute(_MEASUREMENTS)
        con.execute("CHECKPOINT")
        row = con.execute("SELECT count(*) FROM measurement").fetchone()
    tmp.rename(path)
    return path, int(row[0]) if row else 0, time.perf_counter() - started
