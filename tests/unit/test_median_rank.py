"""The median interval's rank: the one-pass computation equals its binomial definition."""

from __future__ import annotations

import pytest

from disclosure.stats import ALPHA, binomial_half_cdf, median_interval, median_rank


def rank_by_definition(n: int) -> int | None:
    ranks = [k for k in range(1, n // 2 + 1) if binomial_half_cdf(k - 1, n) <= ALPHA / 2]
    return max(ranks) if ranks else None


@pytest.mark.parametrize("n", [*range(1, 120), 250, 499, 1000])
def test_median_rank_matches_its_definition(n: int) -> None:
    assert median_rank(n) == rank_by_definition(n)


def test_known_ranks_and_national_size() -> None:
    assert median_rank(5) is None and median_rank(6) == 1 and median_rank(9) == 2  # tables of the sign test
    assert median_rank(25_500) is not None  # all experimentations of a KPI at national scale: instant
    assert median_interval([3.0, 1.0, 2.0, 6.0, 5.0, 4.0]) == (1.0, 6.0)
