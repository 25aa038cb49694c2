"""Interval estimates of the benchmark, in plain Python: deterministic, no seed, no dependency.

- the 95 % Wilson score interval of a pooled rate;
- the exact distribution-free interval of a median from order statistics (binomial with p = 1/2).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from math import comb, sqrt

Z_95 = 1.959963984540054  # the 97.5 % quantile of the standard normal
ALPHA = 0.05


def wilson_interval(successes: float, trials: float, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval of successes/trials, as proportions in [0, 1]; None without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half_width = z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def binomial_half_cdf(k: int, n: int) -> float:
    """P(B <= k) for B ~ Binomial(n, 1/2)."""
    return sum(comb(n, i) for i in range(k + 1)) / 2**n


@cache
def median_rank(n: int, alpha: float = ALPHA) -> int | None:
    """The largest rank k (1-based) with P(B <= k - 1) <= alpha / 2, or None when n is too small.

    [x_(k), x_(n-k+1)] then covers the median with probability at least 1 - alpha. The binomial
    terms are accumulated in one pass (re-summing them per k was cubic: minutes at national n).
    """
    power, total, term, rank = 2**n, 0, 1, None
    for k in range(1, n // 2 + 1):
        total += term  # sum of comb(n, i) for i <= k - 1
        if total / power > alpha / 2:
            break
        rank = k
        term = term * (n - k + 1) // k  # comb(n, k)
    return rank


def median_interval(values: Sequence[float], alpha: float = ALPHA) -> tuple[float, float] | None:
    """Exact order-statistic interval of the median of `values` (needs at least 6 values at 95 %)."""
    ordered = sorted(values)
    rank = median_rank(len(ordered), alpha)
    if rank is None:
        return None
    return ordered[rank - 1], ordered[len(ordered) - rank]
