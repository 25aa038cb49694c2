"""Share CPU-bound rendering (chart SVGs, private reports) between worker processes.

Processes are spawned, never forked: the caller may be a Prefect task with threads and an open DuckDB
connection, which a fork would copy half-way. Results come back in the order of the inputs, so the
files written do not depend on the number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(requested: int, items: int, per_worker: int) -> int:
    """`requested` workers, or with 0 one per available CPU but no more than one per `per_worker`
    items: starting a process costs about a second, which small jobs do not repay."""
    if requested > 0:
        return max(1, min(requested, items))
    return max(1, min(available_cpus(), items // max(per_worker, 1)))


def map_in_workers(work: Callable[[Item], Result], items: Sequence[Item], workers: int) -> list[Result]:
    """`[work(item) for item in items]`, spread over `workers` spawned processes when more than one.

    `work` must be a module-level function, and items and results picklable.
    """
    if workers <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    chunksize = max(1, len(items) // (4 * workers))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(work, items, chunksize=chunksize))
