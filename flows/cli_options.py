"""What every `tlkpi` command shares: the --data-root option, its settings, and the one-line operator errors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from tlkpi.runtime_env import configure_runtime_env
from tlkpi.settings import Settings, settings_for

DataRoot = Annotated[
    Path | None,
    typer.Option(
        "--data-root", help="Data root (inbox, archive, warehouse, site). Default: $TLKPI_DATA_ROOT or ./var."
    ),
]
Create = Annotated[
    bool,
    typer.Option("--create", help="Make --data-root a new data root when it is not one yet."),
]


@contextmanager
def operator_errors() -> Iterator[None]:
    """A fault of the installation (warehouse corrupt, unmigrated or held too long, full disk, a quarter
    not yet closed): one line saying what to do, exit code 2. Bugs keep their traceback."""
    from tlkpi.errors import operator_message

    try:
        yield
    except Exception as exc:
        message = operator_message(exc)
        if message is None:
            raise
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2) from exc


def command_settings(data_root: Path | None, create: bool = False) -> Settings:
    """The settings of a command, its --data-root passed on to the flow runs it starts. A --data-root
    that is not a data root is refused unless `create` asks for a new one."""
    if data_root and not create:
        refuse_unknown_root(data_root)
    if data_root:  # flow runs started as subprocesses (`serve`) read it from the environment
        os.environ["TLKPI_DATA_ROOT"] = str(data_root)
    settings = settings_for(data_root)
    configure_runtime_env(settings)
    return settings


def refuse_unknown_root(data_root: Path) -> None:
    """A --data-root that is not a data root (a typo, the wrong folder) is refused, never filled."""
    from tlkpi.data_root import not_a_data_root

    reason = not_a_data_root(data_root)
    if reason:
        typer.echo(f"error: {reason}; check the path, or add --create to make a new data root", err=True)
        raise typer.Exit(2)


def flow_settings(data_root: Path | None, create: bool = False) -> Settings:
    """Settings for a command that runs flows: on the project's running server when there is one."""
    settings = command_settings(data_root, create)
    from flows.local_api import use_running_server
    from flows.server_logging import quiet_server_shutdown

    prefect_home = Path(os.environ["PREFECT_HOME"])
    quiet_server_shutdown(prefect_home)  # before Prefect reads its settings, as the next line
    use_running_server(prefect_home)
    from tasks.logs import quiet_console_tracebacks

    quiet_console_tracebacks()
    return settings


def refuse_unreadable_warehouse(settings: Settings) -> None:
    """A warehouse file DuckDB cannot read (damaged) ends the command in its one operator line before any
    flow starts: the flow would fail the same way, but only after starting Prefect's API (10-60 s)."""
    path = settings.warehouse
    if not isinstance(path, Path) or not path.is_file():
        return
    import duckdb

    from warehouse.db import machine_fault, unusable_warehouse

    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        fault = machine_fault(exc)
        if fault is None:  # held by a writer, say: the flow waits its turn and says so
            return
        with operator_errors():
            raise unusable_warehouse(path, fault) from exc
