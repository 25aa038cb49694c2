"""Imported once by the fork server of `tlkpi serve` (`flows/warm_runs.py`), never by a command: what
every served flow run would otherwise load for itself. Each run is forked from that server with Prefect,
the flows, their tasks and the file contract's Great Expectations validator already in memory.

Nothing here opens a file of the data root, a database or a connection: a fork copies only memory.
"""

from __future__ import annotations

import contextlib

import pyarrow.dataset  # noqa: F401  (DuckDB imports it on a load's first Arrow table: 0.3 s a run)

import flows.ingest
import flows.quarter
from schemas.catalogue import default_catalogue
from schemas.expectations import validator_for

# Prefect, the tasks, intake, polars, DuckDB; disclosure, the site and its templates
LOADED_FLOWS = (flows.ingest.ingest, flows.quarter.quarter)
# Great Expectations and the suite. A catalogue that cannot be read must not take the fork server down
# (every run would then fail to start, saying nothing): each run meets the error and names it.
with contextlib.suppress(Exception):
    validator_for(default_catalogue())
