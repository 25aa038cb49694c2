"""Late corrections between editions of a quarter (publication rules v2).

A new edition moves the figures of a linked table (a KPI's use-case cells and ENSEMBLE row, or the
ROI table) only when the establishments whose inputs changed since the previous edition pass the
primary rule (enough establishments, enough patients) in every cell published in both editions, and
taken together over the other cells (whose changes the ENSEMBLE difference minus the published
differences gives away): the difference between two editions is then a statistic of enough
establishments, safe to publish. Otherwise
the whole table keeps the previous edition's rows and the cells that changed say a correction is
pending; the table's contributions stay those of the previous edition, so changes add up until they
are enough. A whole table moves or stays, so the ENSEMBLE row always adds up with its use-case cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from disclosure.rules import Key, Rules, Support, primary_reason

CellKey = tuple[str, str]  # (use case, kpi or 'ROI')
Contributions = dict[CellKey, dict[str, tuple[str, float | None]]]  # finess -> (digest, patients)


@dataclass(frozen=True)
class Decision:
    """What a table of the new edition shows: its new figures, or the previous ones (`held`)."""

    table: Key
    held: bool
    pending: frozenset[CellKey]  # cells whose changes wait for more establishments


def changed_establishments(
    before: dict[str, tuple[str, float | None]], after: dict[str, tuple[str, float | None]]
) -> dict[str, float | None]:
    """finess -> patients, for every establishment whose inputs to a cell differ between editions."""
    changed = {}
    for finess in set(before) | set(after):
        old, new = before.get(finess), after.get(finess)
        if new is not None and (old is None or old[0] != new[0]):
            changed[finess] = new[1]
        elif new is None and old is not None:
            changed[finess] = old[1]
    return changed


def change_passes(changed: dict[str, float | None], rules: Rules) -> bool:
    """The changed establishments of a cell, taken together, pass the primary rule."""
    counts = [count for count in changed.values() if count is not None]
    support = Support(
        key=("change",),
        group=("change",),
        is_total=False,
        establishments=frozenset(changed),
        n_experimentations=len(changed),
        patients=sum(counts) if counts else None,
    )
    return primary_reason(support, rules) is None


def decide(
    table: Key,
    cell_keys: Sequence[CellKey],
    previous: Contributions,
    current: Contributions,
    shown_in_both: set[CellKey],
    rules: Rules,
) -> Decision:
    changes = {key: changed_establishments(previous.get(key, {}), current.get(key, {})) for key in cell_keys}
    checks = [changed for key, changed in changes.items() if key in shown_in_both]
    checks.append(merge([changed for key, changed in changes.items() if key not in shown_in_both]))
    if all(not changed or change_passes(changed, rules) for changed in checks):
        return Decision(table, held=False, pending=frozenset())
    return Decision(table, held=True, pending=frozenset(key for key, changed in changes.items() if changed))


def merge(changes: list[dict[str, float | None]]) -> dict[str, float | None]:
    """The changed establishments of several cells together, their known patients added up."""
    merged: dict[str, float | None] = {}
    for changed in changes:
        for finess, patients in changed.items():
            known = [count for count in (merged.get(finess), patients) if count is not None]
            merged[finess] = sum(known) if known else None
    return merged


def cell_key_of(row: Any) -> CellKey:
    return (row.use_case, getattr(row, "kpi", "ROI"))


def table_of(row: Any) -> Key:
    kpi = getattr(row, "kpi", None)
    return (row.domain, kpi) if kpi is not None else ("ROI",)


def held_rows(previous_rows: Sequence[Any], decision: Decision, number: int) -> list[Any]:
    """The previous edition's rows of a held table, renumbered, pending cells marked."""
    return [
        replace(row, edition=number, correction_pending=cell_key_of(row) in decision.pending)
        for row in previous_rows
        if table_of(row) == decision.table
    ]


def apply_corrections_rule(
    rows: list[Any],
    previous_rows: list[Any],
    current: Contributions,
    previous: Contributions | None,
    rules: Rules,
    number: int,
) -> tuple[list[Any], Contributions, list[Decision]]:
    """The rows and contributions of the new edition for one kind of table (benchmark or ROI).

    Without a previous edition that recorded its contributions, every table moves.
    """
    if not previous:
        return rows, current, []
    tables: dict[Key, set[CellKey]] = {}
    for row in [*rows, *previous_rows]:
        tables.setdefault(table_of(row), set()).add(cell_key_of(row))
    shown_in_both = {cell_key_of(r) for r in rows if not r.withheld} & {
        cell_key_of(r) for r in previous_rows if not r.withheld
    }
    decisions = [
        decide(table, sorted(keys), previous, current, shown_in_both, rules)
        for table, keys in sorted(tables.items())
    ]
    held = {d.table: d for d in decisions if d.held}
    kept_keys = {key for table, keys in tables.items() if table in held for key in keys}
    out = [row for row in rows if table_of(row) not in held]
    for decision in held.values():
        out.extend(held_rows(previous_rows, decision, number))
    contributions = {key: value for key, value in current.items() if key not in kept_keys}
    contributions.update({key: value for key, value in previous.items() if key in kept_keys})
    return out, contributions, decisions
