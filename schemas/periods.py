"""Reporting periods: quarters (2025-T3, 2025-Q3) and months (2025-09), and the quarter they fall in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_QUARTER_RE = re.compile(r"^(\d{4})-[TQ]([1-4])$", re.IGNORECASE)
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PERIOD_PATTERN = r"^\d{4}-(?:[TtQq][1-4]|0[1-9]|1[0-2])$"


@dataclass(frozen=True, order=True)
class Period:
    """A quarter (month is None) or a month of a year; `label` is the canonical spelling."""

    year: int
    quarter: int
    month: int | None = None

    @property
    def label(self) -> str:
        if self.month is None:
            return f"{self.year:04d}-T{self.quarter}"
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def quarter_label(self) -> str:
        return f"{self.year:04d}-T{self.quarter}"

    @property
    def start(self) -> date:
        month = self.month if self.month is not None else 3 * self.quarter - 2
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        """First day after the period."""
        last_month = self.month if self.month is not None else 3 * self.quarter
        return date(self.year + 1, 1, 1) if last_month == 12 else date(self.year, last_month + 1, 1)


def parse_period(text: str) -> Period | None:
    """Parse '2025-T3', '2025-Q3' or '2025-09'; None when it is none of these."""
    text = text.strip()
    if text.startswith("0000"):  # no calendar has a year 0: a period of it cannot start or end
        return None
    if match := _QUARTER_RE.match(text):
        return Period(int(match[1]), int(match[2]))
    if match := _MONTH_RE.match(text):
        month = int(match[2])
        return Period(int(match[1]), (month - 1) // 3 + 1, month)
    return None


def parse_quarter(text: str) -> Period:
    """A quarter given by an analyst (CLI, flow parameter); raises ValueError in plain words."""
    period = parse_period(text)
    if period is None or period.month is not None:
        raise ValueError(f"{text!r} is not a quarter: write it as 2025-T3 (or 2025-Q3)")
    return period


def is_in_future(period: Period, today: date) -> bool:
    """A period has data only once it has started."""
    return period.start > today


def latest_closed_quarter(today: date) -> Period:
    """The last quarter that ended before `today`."""
    current = (today.month - 1) // 3 + 1
    if current == 1:
        return Period(today.year - 1, 4)
    return Period(today.year, current - 1)


class QuarterNotClosed(ValueError):
    """A well-written quarter that has not ended yet: it may not be published."""


def require_closed(period: Period, today: date) -> Period:
    """A quarter that may be published: one that has ended. QuarterNotClosed, in plain words, otherwise."""
    if period.end > today:
        last_day = date.fromordinal(period.end.toordinal() - 1)
        raise QuarterNotClosed(
            f"{period.quarter_label} has not ended (it ends on {last_day:%Y-%m-%d}): only a closed quarter "
            f"is published; the last closed one is {latest_closed_quarter(today).label}"
        )
    return period


def closed_quarter(text: str | None, today: date) -> str:
    """The label of the quarter to publish: the one asked for, once it has ended; by default the last
    closed one. ValueError when `text` is not a quarter, QuarterNotClosed when it has not ended."""
    if text is None:
        return latest_closed_quarter(today).label
    return require_closed(parse_quarter(text), today).label
