"""The joint audit of the series (disclosure/joint.py, joint_lp.py) on hand-made editions: unknowns
shared across quarters, the ROI linked to the euro cells, components solved apart."""

from __future__ import annotations

from disclosure.joint import Member, RoiPart, RowSpec, Snapshot
from disclosure.joint_lp import audit_snapshots

LEVEL = 0.2
KPI = "ATT_CANDIDATURES"


def member(
    finess: str, baseline: float | None, pilot: float, use_case: str = "UC01", kpi: str = KPI
) -> Member:
    improved = None if baseline is None else pilot > baseline
    return Member(
        kpi, use_case, finess, "CHU", pilot, None, None, None, improved, baseline, None, None, 0.0, 10_000.0
    )


def edition(quarter: str, members: list[Member], rows: list[RowSpec], current: bool = False, number: int = 1,
            parts: list[RoiPart] | None = None) -> Snapshot:  # fmt: skip
    return Snapshot(quarter, number, members, parts or [], rows, current)


def test_a_reference_value_is_one_unknown_across_quarters() -> None:
    """T2 published UC01's baseline (3 members) and ENSEMBLE's (with UC02's 3); in T3 UC01 gains F4 and
    its baseline is withheld: ENSEMBLE(T3) − ENSEMBLE(T2) is F4's own reference value, exactly."""
    t2 = [member("F1", 300, 310), member("F2", 250, 260), member("F3", 200, 190),
          *(member(f, b, b + 5, "UC02") for f, b in (("F5", 120), ("F6", 130), ("F7", 140)))]  # fmt: skip
    t3 = [*t2, member("F4", 281, 290)]
    shown = [RowSpec(KPI, uc, None, "baseline_sum", True, False) for uc in ("UC01", "UC02", "ENSEMBLE")]
    failures, counts = audit_snapshots(
        [
            edition("2025-T2", t2, shown),
            edition(
                "2025-T3",
                t3,
                [
                    RowSpec(KPI, "UC01", None, "baseline_sum", False, True),
                    RowSpec(KPI, "UC02", None, "baseline_sum", True, False),
                    RowSpec(KPI, "ENSEMBLE", None, "baseline_sum", True, False),
                ],
                current=True,
            ),
        ],
        LEVEL,
    )
    (failure,) = failures
    assert "2025-T3" in failure.label and "UC01" in failure.label and "baseline_sum" in failure.label
    assert failure.low == failure.high == 300 + 250 + 200 + 281
    # the current cells that publish a figure of the same unknowns, use cases first: their baseline
    # figures only (the pilot ones are other unknowns, and stay published)
    reference = KPI + "#référence"
    assert failure.candidates[0] == (reference, "UC02", None)
    assert failure.candidates[-1] == (reference, "ENSEMBLE", None)
    assert counts.programmes + counts.closed_form >= 1


def test_the_same_rows_in_one_quarter_alone_are_protected() -> None:
    """One quarter alone, UC01 and UC02 withheld, ENSEMBLE published: UC01 ∈ [ENSEMBLE − UC02's box,
    ENSEMBLE], protected, and found in closed form (one sum, one unknown: no solver)."""
    t3 = [member("F1", 300, 310), member("F2", 250, 260), member("F3", 200, 190), member("F4", 281, 290),
          *(member(f, b, b + 5, "UC02") for f, b in (("F5", 120), ("F6", 130), ("F7", 140)))]  # fmt: skip
    rows = [RowSpec(KPI, "UC01", None, "baseline_sum", False, True),
            RowSpec(KPI, "UC02", None, "baseline_sum", False, False),
            RowSpec(KPI, "ENSEMBLE", None, "baseline_sum", True, False)]  # fmt: skip
    failures, counts = audit_snapshots([edition("2025-T3", t3, rows, current=True)], LEVEL)
    assert failures == []
    assert counts.closed_form == 1 and counts.programmes == 0


def test_a_corrected_reference_value_is_another_unknown() -> None:
    """F1 corrected its reference value between the editions: the two sums are not one equation."""
    before = [member("F1", 300, 310), member("F2", 250, 260), member("F3", 200, 190)]
    after = [member("F1", 397, 310), *before[1:]]
    failures, _ = audit_snapshots(
        [
            edition("2025-T3", before, [RowSpec(KPI, "UC01", None, "baseline_sum", True, False)]),
            edition("2025-T3", after, [RowSpec(KPI, "UC01", None, "baseline_sum", False, True)], True, 2),
        ],
        LEVEL,
    )
    assert failures == []


def test_the_pooled_roi_links_the_roi_table_to_the_euro_cells() -> None:
    """Σ gains = (1 + r) Σ costs with the avoided expenses and the costs published gives the revenue."""
    amounts = {"F1": (40_000, 90_000, 20_000), "F2": (35_000, 3_000, 18_000), "F3": (30_000, 2_000, 15_000)}
    kpis = ("ECO_DEPENSES_EVITEES", "ECO_RECETTES_NOUVELLES", "ECO_COUT_SOLUTION")
    members = [Member(k, "UC09", f, "CHU", float(a[i]), None, None, None, None, None, None, None, 0.0, 5e7)
               for f, a in amounts.items() for i, k in enumerate(kpis)]  # fmt: skip
    parts = [RoiPart("UC09", f, "CHU", k, "2025-T2", float(a[i]), 0.0, 5e7, True)
             for f, a in amounts.items() for i, k in enumerate(kpis)]  # fmt: skip
    gains = sum(a[0] + a[1] for a in amounts.values())
    cost = sum(a[2] for a in amounts.values())
    rows = [RowSpec("ECO_DEPENSES_EVITEES", "UC09", None, "pilot_sum_new", True, False),
            RowSpec("ECO_RECETTES_NOUVELLES", "UC09", None, "pilot_sum_new", False, True),
            RowSpec("ECO_COUT_SOLUTION", "UC09", None, "pilot_sum_new", True, False),
            RowSpec("ROI", "UC09", None, "roi_pooled", True, False, (gains - cost) / cost)]  # fmt: skip
    failures, counts = audit_snapshots([edition("2025-T2", members, rows, True, parts=parts)], LEVEL)
    (failure,) = failures
    assert "ECO_RECETTES_NOUVELLES" in failure.label
    assert abs(failure.low - 95_000) < 1e-6 and abs(failure.high - 95_000) < 1e-6
    assert ("ROI", "UC09", None) in failure.candidates and counts.programmes == 1
    # without the pooled ROI the euro tables alone say nothing of the revenue
    alone, _ = audit_snapshots([edition("2025-T2", members, rows[:3], True, parts=parts)], LEVEL)
    assert alone == []


def test_kpis_without_a_protected_figure_build_no_programme() -> None:
    members = [member("F1", 300, 310), member("F2", 250, 260), member("F3", 200, 190)]
    rows = [RowSpec(KPI, "UC01", None, "baseline_sum", True, False)]
    failures, counts = audit_snapshots([edition("2025-T2", members, rows, True)], LEVEL)
    assert failures == [] and counts.components == counts.targets == 0
