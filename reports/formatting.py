"""French number, unit and date formatting, registered as Jinja filters by the site writer.

Pure functions, no locale: the output must not depend on the machine that renders the site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"  # between a number and its unit
NNBSP = "\u202f"  # thousands separator (espace fine insécable)
MINUS = "\u2212"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


_QUANTA = {decimals: Decimal(1).scaleb(-decimals) for decimals in range(7)}


def format_number(value: float, decimals: int = 1) -> str:
    """12500.25 -> '12 500,3': rounded half up, comma decimal mark, narrow no-break spaces."""
    quantum = _QUANTA.get(decimals) or Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)  # -0,04 shown to one decimal is "0,0", not "−0,0"
    return _french_marks(format(rounded, ",f"))


def _french_marks(text: str) -> str:
    """'-12,500.3' -> '−12 500,3' (str.replace: several times faster than str.translate here)."""
    return text.replace(",", NNBSP).replace(".", ",").replace("-", MINUS)


def unit_decimals(unit: str) -> int:
    """Euros are shown to the euro, everything else to one decimal."""
    return 0 if unit == "€" else 1


def unit_suffix(unit: str) -> str:
    """What follows the number: ' %', ' €', ' minutes', '/100', or nothing for plain counts."""
    if unit == "nombre":
        return ""
    if unit.startswith("/"):
        return unit
    return NBSP + unit


COUNT_UNITS = frozenset({"nombre", "patients", "patients/jour"})


def value_decimals(value: float, unit: str) -> int:
    """unit_decimals, except that a whole count is written without ',0'."""
    if unit in COUNT_UNITS and float(value).is_integer():
        return 0
    return unit_decimals(unit)


def format_value(value: float, unit: str) -> str:
    """A KPI value with its unit: '12,5 %', '12 500 €', '45,0 minutes', '12 patients/jour'."""
    return format_number(value, value_decimals(value, unit)) + unit_suffix(unit)


def format_signed(value: float, unit: str) -> str:
    """A difference with its sign and unit: '+2,5 %', '−12 500 €' ('0,0 minutes' unsigned)."""
    number = format_number(value, value_decimals(value, unit))
    positive = number[0].isdigit() and any(digit in number for digit in "123456789")
    return ("+" if positive else "") + number + unit_suffix(unit)


def format_range(low: float, high: float, unit: str) -> str:
    """An interval with the unit written once: '40,0 – 55,0 minutes'."""
    decimals = unit_decimals(unit)
    return f"{format_number(low, decimals)} – {format_number(high, decimals)}{unit_suffix(unit)}"


def format_threshold(value: float, unit: str, direction: str) -> str:
    """A performance threshold with its comparison: '≤ 60 minutes', '≥ 85 %'."""
    decimals = 0 if float(value).is_integer() else 1
    sign = "≤" if direction == "lower_is_better" else "≥"
    return f"{sign}{NBSP}{format_number(value, decimals)}{unit_suffix(unit)}"


def format_share(value: float) -> str:
    """A share between 0 and 1 as a whole percentage: 0.75 -> '75 %'."""
    return format_number(100 * value, 0) + NBSP + "%"


def format_count(value: int) -> str:
    """An integer count with thousands separators: 12500 -> '12 500'."""
    return format_number(value, 0)


def format_date(value: date) -> str:
    """A date in words: '10 janvier 2026' (1er for the first of the month)."""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


FILTERS: dict[str, Callable[..., str]] = {
    "fr_number": format_number,
    "fr_value": format_value,
    "fr_signed": format_signed,
    "fr_range": format_range,
    "fr_threshold": format_threshold,
    "fr_share": format_share,
    "fr_integer": format_count,
    "fr_date": format_date,
}
