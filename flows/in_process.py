"""A flow run that a command calls in its own process (`tlkpi ingest` and `tlkpi quarter` without
`tlkpi serve`, `tlkpi demo`) ends when its work ends, not up to a second later.

Prefect 3.8 (and 3.9) starts a heartbeat thread with every flow run (`flows.heartbeat_frequency`, 180 s
by default) that sleeps in steps of one second, and a synchronous run joins it after its final state is
recorded: the call returned 0-1 s after the run was complete (an empty-inbox ingest took 1.17 s with it
and 0.46 s without, `bench/notes.md`). Heartbeats only serve Prefect's zombie-run automations, which
tlkpi does not ship: a command's claims are put back by `intake.claim_owner` when its process is gone.
Served runs keep them (their run is rebuilt from the environment, which cannot say "none"), and no one
waits on their join: `tlkpi ingest` handed to `tlkpi serve` returns on the run's final state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs called inside the block send no heartbeat (and wait for no heartbeat thread)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
