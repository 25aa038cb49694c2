"""A service stop (SIGTERM) or Ctrl-C (SIGINT) during a command is a failed run, never a silent one.

The signal becomes an exception in the main thread, so the flow's claims are put back in the inbox,
the command ends normally (the temporary Prefect server it started stops with it: Prefect stops it at
interpreter exit, which a process killed by the default SIGTERM action never reaches), and the exit
status is 128 + the signal's number, as a shell or a service manager expects from a stopped process.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import typer
from prefect.exceptions import TerminationSignal

from intake.claim_release import put_back_own_claims
from tlkpi.settings import Settings

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunStopped(KeyboardInterrupt):
    """A stop signal (SIGINT anywhere, SIGTERM outside a flow run: Prefect raises TerminationSignal
    inside one); a KeyboardInterrupt, so Prefect and the flow treat it as Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by signal {signum}")
        self.signal = signum


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise RunStopped(signum)


def _stop_signal(exc: BaseException) -> int | None:
    if isinstance(exc, (RunStopped, TerminationSignal)):
        return int(exc.signal)
    return int(signal.SIGINT) if isinstance(exc, KeyboardInterrupt) else None


@contextmanager
def stops_fail_the_run(settings: Settings) -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT stop the command: claims of this process go back to the
    inbox, one line on stderr, exit status 128 + signal."""
    previous = {stop: signal.signal(stop, _raise_stop) for stop in STOP_SIGNALS}
    try:
        yield
    except BaseException as exc:
        signum = _stop_signal(exc)
        if signum is None:
            raise
        for stop in STOP_SIGNALS:  # a second signal must not interrupt the putting back
            signal.signal(stop, signal.SIG_IGN)
        put_back_own_claims(settings.inbox_dir, settings.processing_dir)  # those the flow did not
        typer.echo(
            f"error: stopped by {signal.Signals(signum).name}: the run failed; its unsettled files are "
            "back in the inbox for the next run.",
            err=True,
        )
        raise typer.Exit(128 + signum) from None
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
