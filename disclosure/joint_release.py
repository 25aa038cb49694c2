"""The joint audit of a new edition (issue 21): the edition as the attacker's system sees it (its
experimentations, euro amounts and rows, national and peer groups), every edition already published
(recorded in the edition_audit_* tables), and the secondary suppression chosen against them together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pyarrow as pa

from disclosure import cells as cellmod
from disclosure import roi as roimod
from disclosure.benchmark import BenchmarkCell, Release, RoiCell, rounded, unit_decimals
from disclosure.cell_inputs import QuarterInputs, read_quarter_inputs
from disclosure.joint import (
    ROI,
    TOTAL,
    JointFailure,
    Member,
    RoiPart,
    RowSpec,
    Snapshot,
    family,
)
from disclosure.joint_lp import (
    Counts,
    Programme,
    audit_labels,
    audit_prepared,
    newly_hidden,
    prepare,
    target_kpis,
)
from disclosure.joint_withholding import Owner, apply_victims, peer_victims
from disclosure.peers import (
    NATIONAL_WITHHELD_REASON,
    PENDING_REASON,
    UNKNOWN_GROUP,
    UNKNOWN_REASON,
    PeerRelease,
    categories,
    compute_peer_release,
)
from disclosure.rules import SECONDARY_REASON, DisclosureError, Key, Rules
from disclosure.series import series_reason
from warehouse.queries import fetch_dicts

NOT_SENSITIVE = (SECONDARY_REASON, NATIONAL_WITHHELD_REASON, PENDING_REASON, UNKNOWN_REASON)
TRIALS = 2  # candidates tried in turn for the one that protects a failing figure (each a re-audit)
ROUNDS = 4  # rebuilds of the edition with its peer groups after withholding on the recorded rows


def sensitive(reason: str | None) -> str | None:
    """A reason that makes a cell's figures protected (primary, dominance), else SECONDARY_REASON."""
    return SECONDARY_REASON if reason in NOT_SENSITIVE else reason


def bench_specs(
    cell: cellmod.CellInput, final: BenchmarkCell | None, reason: str | None, rules: Rules, group: str | None
) -> list[RowSpec]:
    """The figures one benchmark row publishes or protects. A held row (correction pending) says
    again what an earlier edition said: those figures are in that edition's record."""
    dominated = cellmod.dominance(cell, rules)
    figures = cellmod.additive_figures(cell, sensitive(reason), dominated)
    if final is not None and final.correction_pending:
        return []
    specs = []
    for measure, figure in figures.items():
        shown = (
            figure.published and final is not None and not final.withheld and present(measure, cell, final)
        )
        protected = figure.protected or (measure.startswith("baseline_") and held_by_series(final, rules))
        specs.append(RowSpec(cell.labels["kpi"], cell.use_case, group, measure, shown, protected))
    return specs


def held_by_series(final: BenchmarkCell | None, rules: Rules) -> bool:
    """A row whose baseline figures the series rule withholds (a few establishments joined or left
    since the cell's last publication): no other row may give them, a peer group with the same
    members included, or the figures differenced against the earlier publication give the newcomers'
    or leavers' own baselines."""
    return (
        final is not None
        and not final.withheld
        and final.baseline_mean is None
        and final.linear_withheld_reason == series_reason(rules)
    )


def present(measure: str, cell: cellmod.CellInput, final: BenchmarkCell) -> bool:
    """Whether the published row carries the statistic a figure is read from (a baseline mean kept
    from an earlier edition is that edition's figure, not this one's)."""
    if measure.startswith("pilot_sum"):
        return final.pilot_mean is not None
    if measure.startswith("pilot_"):
        return final.pooled_rate is not None
    if measure.startswith("baseline_"):
        both = [m for m in cell.members if m.baseline is not None]
        fresh = rounded(cellmod.linear_mean(both, "baseline", cell.kind), unit_decimals(final.unit))
        return final.baseline_mean is not None and final.baseline_mean == fresh
    if measure == "improved":
        return final.share_improved is not None
    return final.share_threshold_met is not None


def roi_specs(cell: roimod.RoiInput, final: RoiCell | None, reason: str | None, rules: Rules,
              group: str | None) -> list[RowSpec]:  # fmt: skip
    """Σ costs and Σ gains (protected or not), the pooled ROI as the equation it gives, the positives."""
    if final is not None and final.correction_pending:
        return []
    figures = roimod.roi_figures(cell, sensitive(reason), roimod.roi_dominance(cell, rules))
    shown = final is not None and not final.withheld
    cost = sum(m.cost for m in cell.members)
    ratio = (sum(m.gains for m in cell.members) - cost) / cost if cost > 0 else None
    return [
        RowSpec(ROI, cell.use_case, group, "cost", False, figures["cost"].protected),
        RowSpec(ROI, cell.use_case, group, "gains", False, figures["gains"].protected),
        RowSpec(ROI, cell.use_case, group, "roi_pooled", shown and final is not None
                and final.roi_pooled is not None and ratio is not None, False, ratio),
        RowSpec(ROI, cell.use_case, group, "positive", shown and final is not None
                and final.share_positive is not None, figures["positive"].protected),
    ]  # fmt: skip


def member_records(inputs: Iterable[cellmod.CellInput], category: Mapping[str, str]) -> list[Member]:
    out = []
    for cell in inputs:
        if cell.is_total:
            continue
        low, high = min(cell.min_value, 0.0), max(cell.max_value, 0.0)
        for m in cell.members:
            out.append(Member(cell.labels["kpi"], cell.use_case, m.finess, category.get(m.finess, UNKNOWN_GROUP),
                              m.pilot, m.numerator, m.denominator, m.meets_threshold, m.improved, m.baseline,
                              m.baseline_numerator, m.baseline_denominator, low, high))  # fmt: skip
    return out


@dataclass(frozen=True)
class Current:
    """The edition being frozen, national and peer-group rows, as the joint audit reads it."""

    release: Release
    peers: PeerRelease
    snapshot: Snapshot


def current_snapshot(
    con: duckdb.DuckDBPyConnection,
    quarter: str,
    number: int,
    release: Release,
    peers: PeerRelease,
    inputs: list[cellmod.CellInput],
    roi_inputs: list[roimod.RoiInput],
    rules: Rules,
) -> Snapshot:
    category = categories(con)
    finals: dict[Key, BenchmarkCell] = {(c.use_case, c.domain, c.kpi): c for c in release.cells}
    specs: list[RowSpec] = []
    for cell in inputs:
        final = finals.get(cell.key)
        specs += bench_specs(cell, final, final.withheld_reason if final else None, rules, None)
    roi_finals: dict[Key, RoiCell] = {(c.use_case,): c for c in release.roi}
    for roi in roi_inputs:
        final_roi = roi_finals.get(roi.key)
        specs += roi_specs(roi, final_roi, final_roi.withheld_reason if final_roi else None, rules, None)
    peer_bench: dict[tuple[str, Key], Any] = {
        (p.peer_group, (p.cell.use_case, getattr(p.cell, "domain", ""), getattr(p.cell, "kpi", ""))): p.cell
        for p in peers.published_benchmark
    }
    for g, group_inputs in peers.bench_inputs.items():
        for key, cell in group_inputs.items():
            specs += bench_specs(cell, peer_bench.get((g, key)), peers.bench_reasons[g][key], rules, g)
    peer_roi: dict[tuple[str, Key], Any] = {
        (p.peer_group, (p.cell.use_case,)): p.cell for p in peers.published_roi
    }
    for g, group_roi in peers.roi_inputs.items():
        for key, roi in group_roi.items():
            specs += roi_specs(roi, peer_roi.get((g, key)), peers.roi_reasons[g][key], rules, g)
    parts = [
        RoiPart(row["use_case"], row["finess"], category.get(row["finess"], UNKNOWN_GROUP), row["kpi"],
                row["pilot_quarter"], float(row["value"]), float(row["low"]), float(row["high"]),
                bool(row["positive"]))
        for row in fetch_dicts(con, "roi_parts", {"quarter": quarter})
    ]  # fmt: skip
    return Snapshot(quarter, number, member_records(inputs, category), parts, specs, current=True)


def history(con: duckdb.DuckDBPyConnection, quarter: str, number: int, current: Snapshot) -> list[Snapshot]:
    """Every recorded edition but this one, read only for the families that hold a protected figure."""
    params = {"quarter": quarter, "number": number}
    rows: dict[tuple[str, int], list[RowSpec]] = {}
    for row in fetch_dicts(con, "audit_history_rows", params):
        rows.setdefault((row["quarter"], row["edition"]), []).append(
            RowSpec(
                row["kpi"],
                row["use_case"],
                row["peer_group"],
                row["measure"],
                row["published"],
                row["protected"],
                row["ratio"],
            )
        )
    snapshots = [Snapshot(q, n, [], [], specs) for (q, n), specs in rows.items()]
    wanted = target_kpis([*snapshots, current])
    kpis = sorted(
        {s.kpi for snap in [*snapshots, current] for s in snap.rows if family(s.kpi) in wanted} - {ROI}
    )
    members: dict[tuple[str, int], list[Member]] = {}
    if kpis:
        for row in fetch_dicts(con, "audit_history_members", {**params, "kpis": kpis}):
            members.setdefault((row["quarter"], row["edition"]), []).append(
                Member(*(row[name] for name in Member._fields))
            )
    parts: dict[tuple[str, int], list[RoiPart]] = {}
    if ROI in wanted:
        for row in fetch_dicts(con, "audit_history_roi_parts", params):
            parts.setdefault((row["quarter"], row["edition"]), []).append(
                RoiPart(*(row[name] for name in RoiPart._fields))
            )
    return [
        replace(
            s,
            members=members.get((s.quarter, s.edition), []),
            roi_parts=parts.get((s.quarter, s.edition), []),
        )
        for s in snapshots
    ]


@dataclass(frozen=True)
class JointAudit:
    """What the joint audit checked (kept in the operator's audit file, never published)."""

    editions: int
    rows: int
    counts: Counts
    secondary: tuple[str, ...]  # the cells withheld for the joint system
    earlier: tuple[str, ...]  # figures earlier editions alone already bound (nothing this one can do)

    def as_dict(self) -> dict[str, object]:
        return {
            "editions_in_the_system": self.editions,
            "figures_in_the_system": self.rows,
            "components_with_a_protected_figure": self.counts.components,
            "closed_form_bounds": self.counts.closed_form,
            "linear_programmes": self.counts.programmes,
            "protected_figures_checked": self.counts.targets,
            "withheld_for_the_series": list(self.secondary),
            "bounded_by_earlier_editions_alone": list(self.earlier),
        }


def protect_series(
    con: duckdb.DuckDBPyConnection,
    quarter: str,
    number: int,
    release: Release,
    rules: Rules,
    quarter_inputs: QuarterInputs | None = None,
) -> tuple[Current, JointAudit]:
    """The release and its peer groups once the joint audit of every published edition passes: more
    cells of this edition withheld (smallest first, group rows before national ones, use cases before
    ENSEMBLE) while a protected figure is bounded too closely; a figure bounded too closely with no
    cell of this edition left to withhold fails, naming the cell, unless earlier editions alone bound
    it (reported for the operator: it is already public, nothing this edition can change)."""
    read = quarter_inputs or read_quarter_inputs(con, quarter)  # the quarter's cells, read once per freeze
    inputs, roi_inputs = read.cells, roimod.build_roi_inputs(read.roi_rows)
    domain = {cell.labels["kpi"]: cell.labels["domain"] for cell in inputs}

    def key_of(kpi: str, use_case: str, group: str) -> Key | None:
        return (use_case,) if kpi == ROI else (use_case, domain[kpi], kpi) if kpi in domain else None

    def state(victims: set[Owner]) -> tuple[Release, PeerRelease, Snapshot]:
        settled = apply_victims(release, victims)
        peers = compute_peer_release(
            con, quarter, rules, number, settled, peer_victims(victims, key_of), read
        )
        return (
            settled,
            peers,
            current_snapshot(con, quarter, number, settled, peers, inputs, roi_inputs, rules),
        )

    level = rules.protection_level
    victims: set[Owner] = set()
    settled, peers, snapshot = state(victims)
    past = history(con, quarter, number, snapshot)
    for _ in range(ROUNDS):
        programmes = prepare([*past, snapshot])
        failures, counts = audit_prepared(programmes, level)
        blocking = [f for f in failures if f.candidates]
        if not blocking:
            audit = JointAudit(
                editions=len(past) + 1,
                rows=sum(len(s.rows) for s in [*past, snapshot]),
                counts=counts,
                secondary=tuple(" × ".join(x for x in owner if x) for owner in sorted(victims, key=str)),
                earlier=tuple(f.describe() for f in failures),  # none of them this edition's
            )
            return Current(settled, peers, snapshot), audit
        # family by family, withhold on the prepared programmes (cheap), then rebuild the edition once
        for name in sorted({family(f.kpi) for f in blocking}):
            one = {name: programmes[name]}

            def failing(hidden: set[Owner], one: dict[str, Programme] = one) -> list[JointFailure]:
                return [f for f in audit_prepared(one, level, hidden)[0] if f.candidates]

            # Withholding only removes equations: every bound widens, so a figure protected stays
            # protected; after each pass only its failures and the figures it withheld are bounded again.
            pending = failing(victims)
            while pending:
                before = set(victims)
                for n, failure in enumerate(pending):
                    if n and not audit_labels(one[name], {failure.label}, level, victims):
                        continue  # protected by a cell withheld for an earlier failure of the pass
                    fresh: list[Owner] = [(c[0], c[1], c[2]) for c in failure.candidates if c not in victims]
                    if not fresh:
                        raise DisclosureError(
                            f"{quarter}: the joint audit refuses the release: {failure.describe()}"
                        )
                    # the first of a few candidates whose withholding protects the figure, else the first
                    chosen = next(
                        (
                            c
                            for c in fresh[:TRIALS]
                            if not audit_labels(one[name], {failure.label}, level, victims | {c})
                        ),
                        fresh[0],
                    )
                    victims.add(chosen)
                again = {f.label for f in pending} | newly_hidden(one[name], before, victims)
                pending = audit_labels(one[name], again, level, victims)
        settled, peers, snapshot = state(victims)
    raise DisclosureError(f"{quarter}: the joint audit refuses the release: {blocking[0].describe()}")


def record_rows(quarter: str, number: int, snapshot: Snapshot) -> dict[str, pa.Table]:
    """The rows of the edition_audit_* tables for a frozen edition, column by column (a national
    edition records about 765,000 experimentations: no dict per row)."""

    def table(records: Sequence[tuple[Any, ...]], fields: tuple[str, ...]) -> pa.Table:
        columns = list(zip(*records, strict=True)) if records else [() for _ in fields]
        size = len(records)
        return pa.table(
            {"quarter": [quarter] * size, "edition": [number] * size,
             **{name: list(column) for name, column in zip(fields, columns, strict=True)}}
        )  # fmt: skip

    return {
        "insert_edition_audit_member": table(snapshot.members, Member._fields),
        "insert_edition_audit_roi_part": table(snapshot.roi_parts, RoiPart._fields),
        "insert_edition_audit_row": table(snapshot.rows, RowSpec._fields),
    }


__all__ = ["TOTAL", "JointFailure", "protect_series", "record_rows"]
