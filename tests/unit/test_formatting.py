"""French number formatting: rounded half up on the shortest decimal form of the float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.formatting import format_number


def by_definition(value: float, decimals: int) -> str:
    """The rule spelled out step by step: the slow reference the formatter must match."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "\u2212" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    return sign + f"{int(whole):,}".replace(",", "\u202f") + ("," + fraction if fraction else "")


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (12500.25, 1, "12\u202f500,3"),
        (2.675, 2, "2,68"),
        (0.25, 1, "0,3"),
        (-0.04, 1, "0,0"),
        (-0.0, 0, "0"),
        (-1234567.5, 0, "\u22121\u202f234\u202f568"),
        (1e-7, 1, "0,0"),
    ],
)
def test_known_values(value: float, decimals: int, expected: str) -> None:
    assert format_number(value, decimals) == expected


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12), st.integers(0, 3))
def test_matches_the_rule(value: float, decimals: int) -> None:
    assert format_number(value, decimals) == by_definition(value, decimals)


@given(
    st.integers(-(10**9), 10**9),
    st.integers(0, 3),
    st.sampled_from(["5", "05", "49", "51", "4999999", "5000001", "0"]),
)
def test_matches_the_rule_near_ties(whole: int, decimals: int, tail: str) -> None:
    value = float(f"{whole / 10**decimals:.{decimals}f}" + ("" if decimals else ".") + tail)
    assert format_number(value, decimals) == by_definition(value, decimals)
