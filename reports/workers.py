"""Share CPU-bound rendering (chart SVGs, private reports) between worker processes.

Workers are never forked from the caller, which may be a Prefect task with threads and an open DuckDB
connection. On POSIX they are forked from a fork server: a clean process started once, which imports
the renderers' modules (and the caller's main module, which every worker would otherwise import
again: `python -m prefect.engine` costs 2.5 s) before forking. Elsewhere they are spawned. Results
come back in the order of the inputs, so the files written do not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from multiprocessing.context import BaseContext
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
PRELOADED_MODULES = ["__main__", "reports.charts.svg", "reports.private.writer"]


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_count(requested: int, items: int, per_worker: int) -> int:
    """`requested` workers, or with 0 one per available CPU but no more than one per `per_worker`
    items: starting a process costs about a second, which small jobs do not repay."""
    if requested > 0:
        return max(1, min(requested, items))
    return max(1, min(available_cpus(), items // max(per_worker, 1)))


@cache
def worker_context() -> BaseContext:
    """The fork server where there is one (its preloads are set before it first starts), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED_MODULES)
    return context


def map_in_workers(work: Callable[[Item], Result], items: Sequence[Item], workers: int) -> list[Result]:
    """`[work(item) for item in items]`, spread over `workers` processes when more than one.

    `work` must be a module-level function, and items and results picklable.
    """
    if workers <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    chunksize = max(1, len(items) // (4 * workers))
    with ProcessPoolExecutor(max_workers=workers, mp_context=worker_context()) as pool:
        return list(pool.map(work, items, chunksize=chunksize))
