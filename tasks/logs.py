"""Logs where operators look: the run's log in the Prefect UI, and the console of the CLI.

The pure rooms (`warehouse`, `intake`, `reports`) log with the standard `logging` module; inside a
flow or task run their records also go to the run's log in Prefect (a lock wait, a file count), and
outside a run (a test, a script) they stay local.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging import get_run_logger
from prefect.logging.configuration import ensure_logging_setup
from prefect.logging.handlers import APILogHandler, PrefectConsoleHandler

from intake.run import stage as stage  # the flows log their stages as ingest_inbox does
from tlkpi.errors import operator_message

PROJECT_LOGGERS = ("warehouse", "intake", "reports", "flows", "tasks")


class RunLogHandler(APILogHandler):
    """Prefect's API log handler, silent outside a flow or task run."""

    def emit(self, record: logging.LogRecord) -> None:
        if FlowRunContext.get() is None and TaskRunContext.get() is None:
            return
        super().emit(record)


class HideOperatorTracebacks(logging.Filter):
    """On the console, an operator fault (full disk, corrupt warehouse, lock) is one line, never a traceback.

    The run's log in Prefect keeps the traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return exc is None or operator_message(exc) is None


def attach_project_loggers() -> None:
    """Send the project's own log records (INFO and up) to the run's log in Prefect, once per process."""
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if not any(isinstance(handler, RunLogHandler) for handler in logger.handlers):
            logger.addHandler(RunLogHandler())


def quiet_console_tracebacks() -> None:
    """Drop operator-fault tracebacks from the console handlers (the CLI prints one line instead)."""
    ensure_logging_setup()  # Prefect configures logging lazily; the handlers must exist to be filtered
    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, HideOperatorTracebacks) for f in handler.filters
        ):
            handler.addFilter(HideOperatorTracebacks())


def run_logger() -> Any:
    """The flow or task run's logger inside a run; the project logger otherwise (a `.fn()` call in a test)."""
    if FlowRunContext.get() is None and TaskRunContext.get() is None:
        return logging.getLogger("flows")
    return get_run_logger()


attach_project_loggers()
