"""Peer groups (publication rules v3): the use-case cells of the benchmark and ROI tables for each
category of establishment (CHU, CH, ESMS... as the register says), built with the same cells,
statistics and disclosure rules as the national ones, applied to the group's experimentations only.

National and group cells are linked (a national cell = Σ its group cells), so a group figure that would
reveal a withheld national one is withheld: every group cell of a withheld or pending national cell, and
then, cell by cell, as many more group cells as the audit of the link (national − Σ groups) needs.
Groups have no ENSEMBLE row, so that the link is the only table a group cell belongs to.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import duckdb

from disclosure import cells as cellmod
from disclosure import roi as roimod
from disclosure.audit import Figure, LinkedTable
from disclosure.benchmark import BenchmarkCell, Release, RoiCell, baseline_populations, build_cell, withhold
from disclosure.cell_inputs import QuarterInputs, read_quarter_inputs, split_by_group
from disclosure.rules import (
    SECONDARY_REASON,
    DisclosureError,
    Key,
    Rules,
    Support,
    primary_reason,
    protect_table,
)
from disclosure.series import apply_to_group, history_of, without_baseline
from warehouse.queries import fetch_dicts

NATIONAL = "national"
UNKNOWN_GROUP = "NC"  # members whose category the register does not give: counted, never published
UNKNOWN_REASON = "catégorie d'établissement non renseignée"
NATIONAL_WITHHELD_REASON = "secret secondaire : protège la case nationale"
PENDING_REASON = "correction en attente au niveau national"
LINK_REASON = "lien national"  # a group figure the audit of the link protects (see link_reason)


@dataclass(frozen=True)
class PeerCell:
    """One published row of a peer group: the group code and the row as the national tables have it."""

    peer_group: str
    cell: BenchmarkCell | RoiCell


@dataclass(frozen=True)
class PeerRelease:
    benchmark: list[PeerCell]
    roi: list[PeerCell]
    tables: dict[Key, LinkedTable]  # every group's tables and the national links, for the audit
    # what the joint audit (disclosure/joint_release.py) rebuilds the group rows from: per group, the
    # cells' inputs and why each is withheld (None: published)
    bench_inputs: dict[str, dict[Key, Any]] = field(default_factory=dict)
    bench_reasons: dict[str, dict[Key, str | None]] = field(default_factory=dict)
    roi_inputs: dict[str, dict[Key, Any]] = field(default_factory=dict)
    roi_reasons: dict[str, dict[Key, str | None]] = field(default_factory=dict)

    @property
    def published_benchmark(self) -> list[PeerCell]:
        return [p for p in self.benchmark if p.peer_group != UNKNOWN_GROUP]

    @property
    def published_roi(self) -> list[PeerCell]:
        return [p for p in self.roi if p.peer_group != UNKNOWN_GROUP]


def categories(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """finess -> category, as the establishment register gives it."""
    rows = con.execute("SELECT finess, category FROM establishment WHERE category IS NOT NULL").fetchall()
    return {finess: str(category) for finess, category in rows}


def by_group(rows: list[dict[str, Any]], category: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The contribution rows of each group, groups in code order (NC last)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(category.get(row["finess"], UNKNOWN_GROUP), []).append(row)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == UNKNOWN_GROUP, item[0])))


def group_benchmark(
    inputs: list[cellmod.CellInput], group: str, quarter: str, rules: Rules, edition: int
) -> tuple[dict[Key, cellmod.CellInput], dict[Key, BenchmarkCell], dict[Key, str | None]]:
    """One group's use-case cells, built and ruled as disclosure/benchmark.py builds the national ones.

    A group has no ENSEMBLE row: its cells are then linked to nothing but their national cell, whose
    audit (link_national) is all the secondary suppression they need."""
    built = {cell.key: build_cell(cell, quarter, edition, rules) for cell in inputs}
    reasons = {cell.key: group_reason(cellmod.support_of(cell), group, rules) for cell in inputs}
    return {cell.key: cell for cell in inputs}, built, reasons


def group_roi(
    rows: list[dict[str, Any]], group: str, quarter: str, rules: Rules, edition: int
) -> tuple[dict[Key, roimod.RoiInput], dict[Key, RoiCell], dict[Key, str | None]]:
    """One group's ROI per use case, as disclosure/roi.py builds the national one (no ENSEMBLE row)."""
    inputs = [cell for cell in roimod.build_roi_inputs(rows) if cell.use_case != cellmod.TOTAL]
    built = {cell.key: roimod.build_roi_cell(cell, quarter, edition, rules) for cell in inputs}
    reasons = {cell.key: group_reason(roi_support(cell), group, rules) for cell in inputs}
    return {cell.key: cell for cell in inputs}, built, reasons


def group_reason(support: Support, group: str, rules: Rules) -> str | None:
    """The primary rule, and no publication at all for members of no known category."""
    reason = primary_reason(support, rules)
    return reason or UNKNOWN_REASON if group == UNKNOWN_GROUP else reason


def roi_support(cell: roimod.RoiInput) -> Support:
    return Support(
        key=cell.key,
        group=roimod.GROUP,
        is_total=cell.use_case == cellmod.TOTAL,
        establishments=frozenset(m.finess for m in cell.members),
        n_experimentations=len(cell.members),
    )


Figures = Callable[[Any, str | None], dict[str, Figure]]


def link_national(
    national: Mapping[Key, BenchmarkCell | RoiCell],
    national_figures: Mapping[Key, dict[str, Figure]],
    groups: dict[str, tuple[dict[Key, Any], dict[Key, str | None], Figures, Callable[[Any], Support]]],
    rules: Rules,
) -> tuple[dict[Key, LinkedTable], set[Key]]:
    """Withhold the group cells that would reveal a national figure or each other; return the links
    and the national cells whose group rows are not published at all.

    `groups[g]` = (inputs by key, reasons by key (updated in place), figures of an input for a reason,
    support of an input). A national cell withheld or pending withholds all its group cells; a published
    one is audited with its group cells (national − Σ groups = 0), the group figures withheld for any
    reason counted as protected, and more group cells are withheld until that audit passes.
    """
    links: dict[Key, LinkedTable] = {}
    omitted: set[Key] = set()
    for key, cell in national.items():
        present = [g for g, (inputs, *_) in groups.items() if key in inputs]
        if cell.withheld or cell.correction_pending:
            reason = (
                PENDING_REASON if cell.correction_pending and not cell.withheld else NATIONAL_WITHHELD_REASON
            )
            for g in present:
                reasons = groups[g][1]
                reasons[key] = reasons[key] or reason
            continue
        members = [replace(groups[g][3](groups[g][0][key]), key=(g, *key), is_total=False) for g in present]
        merged = {(g, *key): groups[g][1][key] for g in present}

        def build(trial: dict[Key, str | None], key: Key = key, present: list[str] = present) -> LinkedTable:
            cells = {key: national_figures[key]}
            for g in present:
                inputs, _, figures, _ = groups[g]
                reason = trial[(g, *key)]
                cells[(g, *key)] = figures(inputs[key], link_reason(reason))
            return LinkedTable(("national=Σ groupes", *key), key, cells, cellmod.PAIRS)

        try:
            protect_table(members, merged, build, rules)
        except DisclosureError:
            # Every group cell is withheld and the published national figure still bounds one of them
            # through the group sizes: no group row is published for this cell, not even its counts.
            omitted.add(key)
        for g in present:
            groups[g][1][key] = (
                merged[(g, *key)] or NATIONAL_WITHHELD_REASON if key in omitted else merged[(g, *key)]
            )
        if key not in omitted:
            links[("national=Σ groupes", *key)] = build(merged)
    return links, omitted


def compute_peer_release(
    con: duckdb.DuckDBPyConnection,
    quarter: str,
    rules: Rules,
    edition: int,
    national: Release,
    withheld: frozenset[tuple[str, str, Key]] = frozenset(),
    inputs: QuarterInputs | None = None,
) -> PeerRelease:
    """Every group's benchmark and ROI rows of a quarter, once the national release is settled.

    `withheld`: (group, 'bench', 'roi' or 'baseline', cell key) the joint audit withholds to protect
    another cell ('baseline': the row's baseline figures only; group 'national': every group's).
    `inputs`: what the national tables were computed from, when the caller already read it."""
    category = categories(con)
    tables: dict[Key, LinkedTable] = {}
    inputs = inputs or read_quarter_inputs(con, quarter)
    national_inputs = inputs.cells
    bench = split_by_group(national_inputs, lambda finess: category.get(finess, UNKNOWN_GROUP))
    bench = dict(sorted(bench.items(), key=lambda item: (item[0] == UNKNOWN_GROUP, item[0])))
    built_bench = {g: group_benchmark(cells, g, quarter, rules, edition) for g, cells in bench.items()}
    roi = by_group(inputs.roi_rows, category)
    built_roi = {g: group_roi(rows, g, quarter, rules, edition) for g, rows in roi.items()}
    for g, table, key in withheld:
        if table == "baseline":  # the baseline figures only: after the series rule, below
            continue
        reasons = (built_bench if table == "bench" else built_roi).get(g, ({}, {}, {}))[2]
        if key in reasons:
            reasons[key] = reasons[key] or SECONDARY_REASON

    national_cells = {cell_key(c): c for c in national.cells}
    national_figures = {
        cell.key: cellmod.additive_figures(
            cell, reason_of(national_cells[cell.key]), cellmod.dominance(cell, rules)
        )
        for cell in national_inputs
        if cell.key in national_cells
    }
    dominated = {g: {k: cellmod.dominance(c, rules) for k, c in b[0].items()} for g, b in built_bench.items()}
    links, omitted = link_national(
        national_cells,
        national_figures,
        {g: (b[0], b[2], _bench_figures(dominated[g]), cellmod.support_of) for g, b in built_bench.items()},
        rules,
    )
    tables.update(links)
    roi_inputs = roimod.build_roi_inputs(inputs.roi_rows)
    national_roi: dict[Key, RoiCell] = {(c.use_case,): c for c in national.roi}
    roi_figures: dict[Key, dict[str, Figure]] = {
        cell.key: roimod.roi_figures(
            cell, reason_of(national_roi[cell.key]), roimod.roi_dominance(cell, rules)
        )
        for cell in roi_inputs
        if cell.key in national_roi
    }
    roi_dominated = {
        g: {k: roimod.roi_dominance(c, rules) for k, c in b[0].items()} for g, b in built_roi.items()
    }
    roi_links, roi_omitted = link_national(
        national_roi,
        roi_figures,
        {g: (b[0], b[2], _roi_figures(roi_dominated[g]), roi_support) for g, b in built_roi.items()},
        rules,
    )
    tables.update(roi_links)
    history, group_history = history_of(con, quarter, inputs), history_of(con, quarter, inputs, groups=True)
    national_populations = baseline_populations(national_inputs)

    def in_series(g: str, key: Key, cell: BenchmarkCell) -> BenchmarkCell:
        cell_key_ = (cell.use_case, cell.kpi)
        population = baseline_populations([built_bench[g][0][key]]).get(cell_key_, frozenset())
        national_population = national_populations.get(cell_key_, frozenset())
        cell = apply_to_group(
            cell,
            population,
            national_cells.get(key),
            national_population,
            history,
            group_history,
            quarter,
            rules,
        )
        if {(g, "baseline", key), (NATIONAL, "baseline", key)} & withheld and (
            cell.baseline_mean is not None or cell.baseline_median is not None
        ):  # the joint audit withholds this baseline (or the national one, their sum)
            return without_baseline(cell, SECONDARY_REASON)
        return cell

    return PeerRelease(
        benchmark=[
            PeerCell(g, in_series(g, key, withhold(b[1][key], b[2][key])))
            for g, b in built_bench.items()
            for key in b[0]
            if key not in omitted
        ],
        roi=[
            PeerCell(g, withhold(b[1][key], b[2][key]))
            for g, b in built_roi.items()
            for key in b[0]
            if key not in roi_omitted
        ],
        tables=tables,
        bench_inputs={g: b[0] for g, b in built_bench.items()},
        bench_reasons={g: {k: NATIONAL_WITHHELD_REASON if k in omitted else r for k, r in b[2].items()}
                       for g, b in built_bench.items()},
        roi_inputs={g: b[0] for g, b in built_roi.items()},
        roi_reasons={g: {k: NATIONAL_WITHHELD_REASON if k in roi_omitted else r for k, r in b[2].items()}
                     for g, b in built_roi.items()},
    )  # fmt: skip


def link_reason(reason: str | None) -> str | None:
    """A group figure's status in the audit of its national link: withheld to protect another cell, it
    is only unknown; withheld for any other reason (its group's primary, dominance or national rules),
    the link must protect it."""
    if reason is None or reason in (SECONDARY_REASON, NATIONAL_WITHHELD_REASON):
        return reason
    return LINK_REASON


def cell_key(cell: BenchmarkCell) -> Key:
    return (cell.use_case, cell.domain, cell.kpi)


def reason_of(cell: BenchmarkCell | RoiCell) -> str | None:
    return cell.withheld_reason if cell.withheld else None


def _bench_figures(dominated: dict[Key, tuple[str | None, str | None]]) -> Figures:
    return lambda cell, reason: cellmod.additive_figures(cell, reason, dominated[cell.key])


def _roi_figures(dominated: dict[Key, tuple[str | None, str | None]]) -> Figures:
    return lambda cell, reason: roimod.roi_figures(cell, reason, dominated[cell.key])


def peer_rows(peers: Sequence[PeerCell]) -> list[dict[str, Any]]:
    """The rows of edition_peer_benchmark / edition_peer_roi."""
    return [{"peer_group": p.peer_group, **asdict(p.cell)} for p in peers]


def peer_fingerprint(digest: str, con: duckdb.DuckDBPyConnection) -> str:
    """The edition's fingerprint with what the group rows add to its inputs: the register's categories
    (the group rows are a function of the inputs, the categories and the rules)."""
    groups = json.dumps(sorted(categories(con).items()))
    return hashlib.sha256(f"{digest}:{groups}".encode()).hexdigest()


def read_peers(
    con: duckdb.DuckDBPyConnection, quarter: str, number: int
) -> tuple[list[PeerCell], list[PeerCell]]:
    """The frozen peer-group rows of an edition (benchmark, ROI); none for editions frozen before them."""
    params = {"quarter": quarter, "number": number}
    bench = [_peer(row, BenchmarkCell) for row in fetch_dicts(con, "edition_peer_benchmark", params)]
    roi = [_peer(row, RoiCell) for row in fetch_dicts(con, "edition_peer_roi", params)]
    return bench, roi


def _peer(row: dict[str, Any], kind: type[BenchmarkCell] | type[RoiCell]) -> PeerCell:
    group = row.pop("peer_group")
    return PeerCell(group, kind(**row))
