"""Reporting periods: quarters and months, their canonical labels, the quarter they fall in."""

from __future__ import annotations

from datetime import date

import pytest

from schemas.periods import Period, is_in_future, latest_closed_quarter, parse_period, parse_quarter


@pytest.mark.parametrize("text", ["2025-T3", "2025-Q3", "2025-q3", "2025-t3", " 2025-T3 "])
def test_quarter_spellings_give_the_same_quarter(text: str) -> None:
    period = parse_period(text)
    assert period == Period(2025, 3)
    assert period is not None
    assert period.label == "2025-T3"
    assert period.quarter_label == "2025-T3"
    assert period.month is None


@pytest.mark.parametrize(
    ("text", "label", "quarter_label"),
    [
        ("2025-09", "2025-09", "2025-T3"),
        ("2025-01", "2025-01", "2025-T1"),
        ("2025-03", "2025-03", "2025-T1"),
        ("2025-04", "2025-04", "2025-T2"),
        ("2025-12", "2025-12", "2025-T4"),
    ],
)
def test_month_keeps_its_label_and_falls_in_its_quarter(text: str, label: str, quarter_label: str) -> None:
    period = parse_period(text)
    assert period is not None
    assert period.label == label
    assert period.quarter_label == quarter_label


@pytest.mark.parametrize(
    "text",
    ["2025-T5", "2025-T0", "2025-13", "2025-00", "25-T1", "", "2025T3", "2025-9", "T3-2025", "2025-S1"],
)
def test_invalid_periods_are_none(text: str) -> None:
    assert parse_period(text) is None


def test_parse_quarter_accepts_a_quarter() -> None:
    assert parse_quarter("2025-Q3") == Period(2025, 3)


@pytest.mark.parametrize("text", ["2025-09", "2025-T5", "", "troisième trimestre"])
def test_parse_quarter_refuses_what_is_not_a_quarter(text: str) -> None:
    with pytest.raises(ValueError, match="2025-T3"):
        parse_quarter(text)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025-T3", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025-T4", date(2025, 10, 1), date(2026, 1, 1)),
        ("2025-09", date(2025, 9, 1), date(2025, 10, 1)),
        ("2025-12", date(2025, 12, 1), date(2026, 1, 1)),
    ],
)
def test_period_bounds(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert period is not None
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 22), "2026-T3"),
        (date(2026, 1, 15), "2025-T4"),
        (date(2026, 1, 1), "2025-T4"),
        (date(2026, 3, 31), "2025-T4"),
        (date(2026, 4, 1), "2026-T1"),
        (date(2026, 10, 1), "2026-T3"),
        (date(2026, 12, 31), "2026-T3"),
    ],
)
def test_latest_closed_quarter(today: date, expected: str) -> None:
    quarter = latest_closed_quarter(today)
    assert quarter.label == expected
    assert quarter.month is None
    assert quarter.end <= today


@pytest.mark.parametrize(
    ("text", "future"),
    [
        ("2026-T4", False),  # has started on 1 October
        ("2026-11", False),
        ("2026-12", True),
        ("2027-T1", True),
        ("2025-T3", False),
    ],
)
def test_is_in_future(text: str, future: bool) -> None:
    period = parse_period(text)
    assert period is not None
    assert is_in_future(period, date(2026, 11, 22)) is future


def test_periods_sort_in_time_order() -> None:
    texts = ["2026-T1", "2025-T4", "2025-T3"]
    ordered = sorted(p for p in map(parse_period, texts) if p is not None)
    assert [p.label for p in ordered] == ["2025-T3", "2025-T4", "2026-T1"]
