"""Editions of a quarter: freeze what is published, and read frozen editions back.

An edition is the set of accepted submissions a quarter rests on, its "as of" (the latest reception
among them) and the publishable rows computed from them. A new edition is frozen only when that set
or the published content changed; otherwise the latest edition stands ("nothing new").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from disclosure.audit import AuditReport, audit_report
from disclosure.benchmark import BenchmarkCell, Release, RoiCell, compute_benchmark_release
from disclosure.cell_inputs import QuarterInputs, read_quarter_inputs
from disclosure.corrections import Contributions, Decision, apply_corrections_rule
from disclosure.joint_release import protect_series, record_rows
from disclosure.peers import peer_fingerprint, peer_rows
from disclosure.roi import compute_roi_release
from disclosure.rules import DisclosureError, Rules
from disclosure.series import history_of, population_rows
from warehouse.db import is_lake, write_transaction
from warehouse.dialect import current_snapshot
from warehouse.queries import completeness_counts, fetch_dicts, load_query, quarter_overview

Row = TypeVar("Row", BenchmarkCell, RoiCell)


@dataclass(frozen=True)
class Edition:
    quarter: str
    number: int
    as_of: datetime | None
    n_submissions: int
    n_establishments: int
    n_experimentations: int
    n_measurements: int
    fingerprint: str
    min_establishments: int
    min_patients: int
    max_dominance: float | None = None  # rules v2 thresholds; None for editions frozen before v2
    min_position: int | None = None
    min_extreme_position: int | None = None
    protection_level: float | None = None
    p_percent: float | None = None  # rules v3 thresholds; None for editions frozen before v3
    min_share: int | None = None
    min_series_change: int | None = None
    lake_snapshot: int | None = None  # the lake snapshot it was computed from; None on the DuckDB file


@dataclass(frozen=True)
class Freeze:
    """The outcome of publishing a quarter: its edition, and whether it is new."""

    edition: Edition
    created: bool
    previous: Edition | None
    audit: AuditReport
    decisions: tuple[Decision, ...] = ()


def edition_of(row: dict[str, Any]) -> Edition:
    return Edition(**{name: row[name] for name in Edition.__dataclass_fields__ if name in row})


def latest_edition(con: duckdb.DuckDBPyConnection, quarter: str) -> Edition | None:
    rows = fetch_dicts(con, "edition_latest", {"quarter": quarter})
    return edition_of(rows[0]) if rows else None


def find_edition(con: duckdb.DuckDBPyConnection, quarter: str, number: int | None = None) -> Edition | None:
    """Edition `number` of a quarter, by default its latest."""
    if number is None:
        return latest_edition(con, quarter)
    rows = fetch_dicts(con, "edition_one", {"quarter": quarter, "number": number})
    return edition_of(rows[0]) if rows else None


def list_editions(con: duckdb.DuckDBPyConnection) -> list[Edition]:
    return [edition_of(row) for row in fetch_dicts(con, "editions")]


def read_benchmark(con: duckdb.DuckDBPyConnection, edition: Edition) -> list[BenchmarkCell]:
    """The frozen benchmark rows of an edition, in published order."""
    params = {"quarter": edition.quarter, "number": edition.number}
    rows = fetch_dicts(con, "edition_benchmark", params)
    return [BenchmarkCell(**row) for row in rows]


def read_roi(con: duckdb.DuckDBPyConnection, edition: Edition) -> list[RoiCell]:
    params = {"quarter": edition.quarter, "number": edition.number}
    rows = fetch_dicts(con, "edition_roi", params)
    return [RoiCell(**row) for row in rows]


def frozen_completeness(con: duckdb.DuckDBPyConnection, edition: Edition) -> dict[str, int] | None:
    """The completeness counts frozen with an edition; None for an edition frozen before they were kept."""
    rows = fetch_dicts(con, "edition_completeness", {"quarter": edition.quarter, "number": edition.number})
    return rows[0] if rows else None


def read_contributions(con: duckdb.DuckDBPyConnection, edition: Edition) -> Contributions:
    """What the cells of a frozen edition rest on, per establishment (empty for editions before v2)."""
    params = {"quarter": edition.quarter, "number": edition.number}
    contributions: Contributions = {}
    for row in fetch_dicts(con, "edition_contributions", params):
        contributions.setdefault((row["use_case"], row["kpi"]), {})[row["finess"]] = (
            row["digest"],
            row["patients"],
        )
    return contributions


def compute_release(
    con: duckdb.DuckDBPyConnection,
    quarter: str,
    rules: Rules,
    edition: int = 0,
    inputs: QuarterInputs | None = None,
) -> Release:
    """Everything a new edition of `quarter` would publish, before the corrections rule. `inputs`: what
    it is computed from, when the caller already read it (the peer groups use it again)."""
    inputs = inputs or read_quarter_inputs(con, quarter)
    cells, contributions, tables, populations = compute_benchmark_release(
        con, quarter, rules, edition, inputs.cells, history_of(con, quarter, inputs)
    )
    roi, roi_contributions, roi_table = compute_roi_release(con, quarter, rules, edition, inputs.roi_rows)
    return Release(cells, roi, {**contributions, **roi_contributions}, {**tables, **roi_table}, populations)


def split(contributions: Contributions, roi: bool) -> Contributions:
    return {key: value for key, value in contributions.items() if (key[1] == "ROI") == roi}


def settle_release(
    con: duckdb.DuckDBPyConnection, release: Release, previous: Edition | None, rules: Rules, number: int
) -> tuple[Release, tuple[Decision, ...], AuditReport]:
    """The release after the corrections rule, and the audit of the tables whose figures move."""
    before = read_contributions(con, previous) if previous else {}
    old_cells = read_benchmark(con, previous) if previous and before else []
    old_roi = read_roi(con, previous) if previous and before else []
    cells, mine, decided = apply_corrections_rule(
        release.cells, old_cells, split(release.contributions, False), split(before, False), rules, number
    )
    roi, roi_mine, roi_decided = apply_corrections_rule(
        release.roi, old_roi, split(release.contributions, True), split(before, True), rules, number
    )
    held = {d.table for d in (*decided, *roi_decided) if d.held}
    moving = {name: table for name, table in release.tables.items() if name not in held}
    report = audit_report(moving, rules.protection_level, sorted(held))
    held_kpis = {name[1] for name in held if len(name) == 2}
    populations = {key: members for key, members in release.populations.items() if key[1] not in held_kpis}
    if previous and held_kpis:  # a held table keeps the populations its figures rest on
        for row in fetch_dicts(con, "edition_baseline_populations", {"quarter": previous.quarter,
                                                                     "number": previous.number}):  # fmt: skip
            if row["kpi"] in held_kpis:
                key = (row["use_case"], row["kpi"])
                populations[key] = populations.get(key, frozenset()) | {row["member"]}
    settled = Release(cells, roi, {**mine, **roi_mine}, moving, populations)
    return settled, (*decided, *roi_decided), report


def contribution_rows(quarter: str, number: int, contributions: Contributions) -> pa.Table:
    """The rows of edition_contribution, column by column (one per experimentation and cell)."""
    keys = sorted(contributions)
    rows = [(key, finess, *value) for key in keys for finess, value in sorted(contributions[key].items())]
    return pa.table(
        {
            "quarter": [quarter] * len(rows),
            "edition": [number] * len(rows),
            "use_case": [key[0] for key, *_ in rows],
            "kpi": [key[1] for key, *_ in rows],
            "finess": [finess for _, finess, _, _ in rows],
            "digest": [digest for *_, digest, _ in rows],
            "patients": [patients for *_, patients in rows],
        }
    )


def fingerprint(inputs: list[dict[str, Any]], cells: list[BenchmarkCell], roi: list[RoiCell]) -> str:
    """A hash of what an edition says: its input files and every published row (edition number aside)."""
    content = {
        "inputs": [row["sha256"] for row in inputs],
        "benchmark": [{**asdict(cell), "edition": None} for cell in cells],
        "roi": [{**asdict(cell), "edition": None} for cell in roi],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def insert_rows(con: duckdb.DuckDBPyConnection, query: str, rows: list[dict[str, Any]] | pa.Table) -> None:
    """Insert rows (dicts, or an Arrow table) with the named query, through a registered Arrow table."""
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows) if rows else None
    if table is None or table.num_rows == 0:
        return
    con.register("incoming_rows", table)
    try:
        con.execute(load_query(query))
    finally:
        con.unregister("incoming_rows")


def freeze_edition(con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules) -> Freeze:
    """Publish `quarter`: a new edition when its inputs or content changed, else the latest one."""
    return write_transaction(con, lambda: _freeze(con, quarter, rules))


def _freeze(con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules) -> Freeze:
    previous = latest_edition(con, quarter)
    number = previous.number + 1 if previous else 1
    inputs = fetch_dicts(con, "edition_inputs", {"quarter": quarter})
    cell_inputs = read_quarter_inputs(con, quarter)  # read once: the national and the peer-group tables
    release, decisions, report = settle_release(
        con, compute_release(con, quarter, rules, number, cell_inputs), previous, rules, number
    )
    if report.failures:
        message = f"{quarter}: the audit refuses the release: " + "; ".join(report.failures)
        raise DisclosureError(message, report)
    if previous is not None and says_the_same(con, previous, inputs, rules, release):
        return Freeze(previous, created=False, previous=previous, audit=report, decisions=decisions)
    try:  # every edition already published, national and peer groups, ROI and euro tables together
        current, joint = protect_series(con, quarter, number, release, rules, cell_inputs)
    except DisclosureError as refused:
        raise DisclosureError(str(refused), replace(report, failures=(str(refused),))) from None
    release, peers, report = current.release, current.peers, replace(report, series=joint.as_dict())
    cells, roi = release.cells, release.roi
    overview = quarter_overview(con, quarter)
    digest = peer_fingerprint(fingerprint(inputs, cells, roi), con)
    if previous is not None and previous.fingerprint == digest:
        return Freeze(previous, created=False, previous=previous, audit=report, decisions=decisions)
    edition = Edition(
        quarter=quarter,
        number=number,
        as_of=max((row["received_at"] for row in inputs), default=None),
        n_submissions=len(inputs),
        n_establishments=overview.n_establishments,
        n_experimentations=overview.n_experimentations,
        n_measurements=overview.n_measurements,
        fingerprint=digest,
        **asdict(rules),  # the thresholds, recorded with the edition
        lake_snapshot=current_snapshot(con) if is_lake(con) else None,
    )
    con.execute(load_query("insert_edition"), asdict(edition))
    insert_rows(
        con, "insert_edition_submission", [{"quarter": quarter, "number": number, **row} for row in inputs]
    )
    insert_rows(con, "insert_edition_benchmark", [asdict(cell) for cell in cells])
    insert_rows(con, "insert_edition_roi", [asdict(cell) for cell in roi])
    insert_rows(con, "insert_edition_peer_benchmark", peer_rows(peers.published_benchmark))
    insert_rows(con, "insert_edition_peer_roi", peer_rows(peers.published_roi))
    counts = completeness_counts(con, quarter)
    con.execute(load_query("insert_edition_completeness"), {"quarter": quarter, "number": number, **counts})
    insert_rows(con, "insert_edition_contribution", contribution_rows(quarter, number, release.contributions))
    insert_rows(
        con, "insert_edition_baseline_population", population_rows(quarter, number, release.populations)
    )
    for query, rows in record_rows(quarter, number, current.snapshot).items():
        insert_rows(con, query, rows)
    return Freeze(edition, created=True, previous=previous, audit=report, decisions=decisions)


def says_the_same(
    con: duckdb.DuckDBPyConnection,
    previous: Edition,
    inputs: list[dict[str, Any]],
    rules: Rules,
    release: Release | None = None,
) -> bool:
    """Whether `previous` rests on these very input files, rules and register categories: its figures
    then stand. The joint audit of a new edition would see the later quarters published since and
    might withhold more, but those were audited with this edition's rows in the system: re-freezing an
    untouched quarter publishes nothing new.

    The edition's fingerprint was taken over its rows in the order of its release, which is not the
    published order when a table was held (settle_release puts held tables last): the stored rows are
    also tried in the order of `release`, this quarter's release settled now (the same tables held)."""
    if any(getattr(previous, name) != value for name, value in asdict(rules).items()):
        return False
    stored = fetch_dicts(con, "edition_submissions", {"quarter": previous.quarter, "number": previous.number})
    if [row["sha256"] for row in stored] != [row["sha256"] for row in inputs]:
        return False
    cells, roi = read_benchmark(con, previous), read_roi(con, previous)
    orders = [(cells, roi)]
    if release is not None:
        orders.append((in_order_of(cells, release.cells), in_order_of(roi, release.roi)))
    return any(  # the same categories too
        peer_fingerprint(fingerprint(stored, c, r), con) == previous.fingerprint for c, r in orders
    )


def in_order_of(rows: list[Row], model: list[Row]) -> list[Row]:
    """`rows` in the order of the rows of `model` with the same use case and KPI (as they are when
    the two hold different keys: they then differ anyway)."""

    def key(row: BenchmarkCell | RoiCell) -> tuple[str, str | None]:
        return row.use_case, getattr(row, "kpi", None)

    position = {key(row): i for i, row in enumerate(model)}
    if len(position) != len(model) or {key(row) for row in rows} != position.keys():
        return rows
    return sorted(rows, key=lambda row: position[key(row)])


def unchanged_edition(con: duckdb.DuckDBPyConnection, quarter: str, rules: Rules) -> Edition | None:
    """The latest edition when publishing `quarter` now would freeze nothing new; None otherwise.

    Reads only: an analyst's `tlkpi quarter` with nothing new answers without taking the writer lock.
    """
    previous = latest_edition(con, quarter)
    if previous is None:
        return None
    number = previous.number + 1
    inputs = fetch_dicts(con, "edition_inputs", {"quarter": quarter})
    release, _, report = settle_release(
        con, compute_release(con, quarter, rules, number), previous, rules, number
    )
    if report.failures:  # the flow refuses it and says which cell
        return None
    if says_the_same(con, previous, inputs, rules, release):  # as the flow decides (_freeze)
        return previous
    # other files that change no figure, and no cell the joint audit withheld: nothing new either
    digest = peer_fingerprint(fingerprint(inputs, release.cells, release.roi), con)
    return previous if digest == previous.fingerprint else None
