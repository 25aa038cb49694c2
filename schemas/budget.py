"""The time budget of one file, shared by its reading and its checking."""

from __future__ import annotations

import time


class CheckTimeout(Exception):
    """Reading or checking went past its time budget (the budget of the files being checked together)."""


class Deadline:
    """A time budget checked between the steps of a read or the passes of a validation (each is linear)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends_at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends_at:
            raise CheckTimeout(f"checking took more than {self.seconds:g} s")
