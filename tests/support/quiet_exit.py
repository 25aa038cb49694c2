"""Suites end quietly: what Prefect would do at interpreter exit is done while pytest's streams are open.

A flow run without PREFECT_API_URL starts Prefect's temporary API server, and Prefect stops it in an
`atexit` handler that logs "Stopping temporary server on …". By then pytest has closed the captured
stream that Prefect's console handler (a Rich console) writes to, so every such run ended with a
"--- Logging error --- ValueError: I/O operation on closed file" traceback; and the run logs still
queued for the API were sent after the server had gone ("--- Error logging to API ---").
"""

from __future__ import annotations

import logging
import sys

DRAIN_SECONDS = 10


def stop_temporary_prefect_servers() -> None:
    """Send the queued run logs and events, then stop the temporary Prefect API servers this process
    started (their atexit stop then has nothing left to do or say)."""
    server_module = sys.modules.get("prefect.server.api.server")
    if server_module is None:  # Prefect's server was never imported: nothing was started
        return
    servers = list(server_module.SubprocessASGIServer._instances.values())
    if not any(server.server_process for server in servers):
        return
    logging.disable(logging.WARNING)  # "Still processing items…", "Stopping temporary server…": noise here
    try:
        for module_name, worker in (
            ("prefect.logging.handlers", "APILogWorker"),
            ("prefect.events.worker", "EventsWorker"),
        ):
            if (module := sys.modules.get(module_name)) is not None:
                getattr(module, worker).drain_all(timeout=DRAIN_SECONDS)
        for server in servers:
            server.stop()
    finally:
        logging.disable(logging.NOTSET)
