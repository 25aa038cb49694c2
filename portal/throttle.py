"""The login throttle: wrong secrets slow down the one who types them, and never lock anyone else out.

Failures are counted per (identifier, address) pair and per address. After a few free failures each
further attempt of that pair (or address) waits a growing delay (1 s, 2 s, 4 s … up to a cap); failures
from other addresses never delay the right secret typed from a new one, so a stranger who knows an
establishment's FINESS or a referent's address cannot keep them out. The memory holds at most
`max_entries` pairs and addresses (the least recently failed are forgotten first). It lives in this
process only: a restart forgets every failure, which gives an attacker no more than the free failures
again; the delays then grow as before.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    def __init__(
        self,
        free_failures: int = 3,
        address_free_failures: int = 20,
        base_delay: float = 1.0,
        max_delay: float = 900.0,
        forget_after: float = 3600.0,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = {"pair": free_failures, "address": address_free_failures}
        self.base_delay, self.max_delay = base_delay, max_delay
        self.forget_after = max(forget_after, max_delay)
        self.max_entries = max_entries
        self.clock = clock
        self._failures: OrderedDict[tuple[str, ...], _Failures] = OrderedDict()

    def __len__(self) -> int:
        return len(self._failures)

    def _keys(self, identifier: str, address: str) -> list[tuple[str, ...]]:
        return [("pair", identifier, address), ("address", address)]

    def delay_after(self, failures: int, kind: str) -> float:
        """The wait imposed after `failures` failures: none while free, then doubling up to the cap."""
        over = failures - self.free[kind]
        return 0.0 if over < 0 else min(self.max_delay, self.base_delay * 2 ** min(over, 40))

    def wait_for(self, identifier: str, address: str) -> float:
        """Seconds this pair must still wait before its next attempt (0: now)."""
        now = self.clock()
        waits = [0.0]
        for key in self._keys(identifier, address):
            entry = self._failures.get(key)
            if entry is None:
                continue
            if now - entry.last > self.forget_after:
                del self._failures[key]
                continue
            waits.append(entry.last + self.delay_after(entry.count, key[0]) - now)
        return max(waits)

    def record_failure(self, identifier: str, address: str) -> None:
        """Counted before the slow check, so parallel attempts are counted too."""
        now = self.clock()
        for key in self._keys(identifier, address):
            entry = self._failures.pop(key, None) or _Failures(0, now)
            entry.count, entry.last = entry.count + 1, now
            self._failures[key] = entry  # most recent last: the oldest are forgotten first
        while len(self._failures) > self.max_entries:
            self._failures.popitem(last=False)

    def record_success(self, identifier: str, address: str) -> None:
        """The pair's failures are forgotten; the attempt counted for the address is given back."""
        pair, by_address = self._keys(identifier, address)
        self._failures.pop(pair, None)
        entry = self._failures.get(by_address)
        if entry is not None:
            entry.count -= 1
            if entry.count <= 0:
                del self._failures[by_address]
