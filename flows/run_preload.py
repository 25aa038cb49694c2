"""Imported once by the fork server of `tlkpi serve` (`flows/warm_runs.py`), never by a command: what
every served flow run would otherwise load for itself. Each run is forked from that server with Prefect,
the flows, their tasks and the file contract's Great Expectations validator already in memory.

Nothing here opens a file of the data root, a database or a connection: a fork copies only memory.
"""

from __future__ import annotations

import flows.ingest
import flows.quarter
from schemas.catalogue import default_catalogue
from schemas.expectations import validator_for

# Prefect, the tasks, intake, polars, DuckDB; disclosure, the site and its templates
LOADED_FLOWS = (flows.ingest.ingest, flows.quarter.quarter)
CONTRACT_VALIDATOR = validator_for(default_catalogue())  # imports Great Expectations, builds the suite
