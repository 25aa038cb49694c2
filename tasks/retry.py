"""Retry only what may succeed next time (a held lock, a remote store), never bad data."""

from __future__ import annotations

from typing import Any

from tlkpi.errors import is_transient


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry_condition_fn: the failure's exception is in `state.data`."""
    error = state.data if isinstance(state.data, BaseException) else None
    return error is not None and is_transient(error)
