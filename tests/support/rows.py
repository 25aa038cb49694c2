"""Measurements as tests write them into a warehouse: named records, never `row[6]`."""

from __future__ import annotations

from typing import NamedTuple


class Row(NamedTuple):
    """One measurement as an establishment's file states it."""

    finess: str
    use_case: str
    kpi: str
    period: str
    phase: str
    value: float | None
    numerator: int | None
    denominator: int | None
    n: int | None  # effectif: patients behind the value

    def corrected(self, extra_numerator: int, extra_denominator: int) -> Row:
        """The same key with its counts raised, as a late correction sends it (no effectif)."""
        return self._replace(
            numerator=(self.numerator or 0) + extra_numerator,
            denominator=(self.denominator or 0) + extra_denominator,
            n=None,
        )
