"""Served runs start warm: `tlkpi serve` forks each flow run from a fork server that has already loaded
Prefect, the flows and the file contract's Great Expectations validator (`flows/run_preload.py`).

Prefect 3.8's runner starts a run of a flow it holds with `run_flow_in_subprocess`, which spawns a fresh
interpreter (`multiprocessing.get_context("spawn")`, written into that function): every run imported
Prefect, the flow and GE again, most of a one-file ingest's seconds. While `tlkpi serve` runs, that one
call gets the fork server instead; everything else about a run is Prefect's own (states, logs,
artifacts, cancellation, crash detection). Each run is still a process of its own, so a run that crashes
ends that run only; a fork server that died is started again by multiprocessing at the next run.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
from collections.abc import Iterator
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import Any

# "__main__" first: without it every run would import `tlkpi`'s entry script again
PRELOADED_MODULES = ["__main__", "flows.run_preload"]


def warm_context() -> BaseContext | None:
    """The fork server, told what to preload and started now (it loads while the Prefect server
    starts); None where there is no fork server (not POSIX): runs are spawned there, as Prefect does."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    context = multiprocessing.get_context("forkserver")
    server: Any = getattr(forkserver, "_forkserver", None)  # the process's one fork server
    if server is not None and server._preload_modules != PRELOADED_MODULES:
        # started already with another preload (the reports' chart workers, in the same process): a
        # running fork server ignores a new preload, so it is stopped and started again with ours
        server._stop()
    context.set_forkserver_preload(PRELOADED_MODULES)
    forkserver.ensure_running()
    return context


class _OneContext:
    """What `prefect.flow_engine` sees as its `multiprocessing` module: any start method it asks for
    is `context`; every other name is the real module's."""

    def __init__(self, context: BaseContext) -> None:
        self._context = context

    def get_context(self, method: str | None = None) -> BaseContext:
        return self._context

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)


@contextlib.contextmanager
def runs_forked() -> Iterator[BaseContext | None]:
    """While the block runs, Prefect starts the flow runs of this process from the warm fork server."""
    context = warm_context()
    if context is None:
        yield None
        return
    names = importlib.import_module("prefect.flow_engine").__dict__
    spawning = names["multiprocessing"]  # a KeyError here: Prefect changed, see the docstring
    names["multiprocessing"] = _OneContext(context)
    try:
        yield context
    finally:
        names["multiprocessing"] = spawning
