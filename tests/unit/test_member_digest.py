"""A member's digest text never changes between versions: editions store the digests, and a later
freeze takes an establishment whose digest differs for one whose figures changed."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from disclosure.digests import digest, row_text

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)


def as_first_written(row: tuple[Any, ...]) -> str:
    """The digest text's definition, as editions were first frozen with it."""
    return repr(tuple(format(v, ".10g") if isinstance(v, float) else v for v in row))


@given(st.lists(VALUES, min_size=1, max_size=16).map(tuple))
def test_the_row_text_is_the_repr_of_the_row_with_floats_at_10_significant_digits(
    row: tuple[Any, ...],
) -> None:
    assert row_text(row) == as_first_written(row)


def test_a_stored_digest_is_unchanged_and_the_order_of_the_rows_does_not_matter() -> None:
    rows = [
        ("UC01", "010002129", 12.5, 1 / 3, None, True, -0.0, 1e-7, 7, float("inf"), "l'été"),
        ("UC02", "010002129", 3.0, None, None, None, None, None, None, None, None),
    ]
    assert row_text(rows[0]) == (
        "('UC01', '010002129', '12.5', '0.3333333333', None, True, '-0', '1e-07', 7, 'inf', \"l'été\")"
    )
    stored = "a695cfa867a2e308c612770a2279d7070221f97e53b0116779dabec3849788bb"
    assert digest(rows) == digest(rows[::-1]) == stored
