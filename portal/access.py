"""Who may log in to the portal: one access code per establishment, stored only as an argon2 hash,
and the login rate limit (per FINESS and per address).

The operator grants, revokes and lists access with `tlkpi access`; the portal only verifies.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from schemas.finess import has_valid_format
from tlkpi.files import write_atomically

ACCESS_FILE = "access.json"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read over the phone
CODE_GROUPS, GROUP_LENGTH = 4, 5  # 20 characters, about 99 bits
_HASHER = PasswordHasher()
# verified when the FINESS has no access, so a wrong FINESS costs as long as a wrong code
_DECOY_HASH = _HASHER.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class Access:
    finess: str
    granted_at: str  # also the session's proof that the code it was opened with is still the valid one


def new_code() -> str:
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(CODE_GROUPS))
    return "-".join(groups)


def normalise_code(code: str) -> str:
    """What the user typed, without spaces or dashes, in capitals: a code copied from a mail still works."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


class AccessStore:
    """<portal dir>/access.json: FINESS -> argon2 hash of its code and when it was granted."""

    def __init__(self, portal_dir: Path) -> None:
        self.path = portal_dir / ACCESS_FILE

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def _write(self, entries: dict[str, dict[str, str]]) -> None:
        write_atomically(self.path, json.dumps(entries, indent=1, sort_keys=True), mode=0o600)

    def grant(self, finess: str) -> str:
        """A new one-time code for this FINESS (replacing any earlier one); only its hash is kept."""
        finess = finess.strip().upper()
        if not has_valid_format(finess):
            raise ValueError(f"{finess!r} is not a FINESS number (9 characters, département first)")
        code = new_code()
        entries = self._read()
        entries[finess] = {
            "hash": _HASHER.hash(normalise_code(code)),
            "granted_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        }
        self._write(entries)
        return code

    def revoke(self, finess: str) -> bool:
        entries = self._read()
        removed = entries.pop(finess.strip().upper(), None)
        self._write(entries)
        return removed is not None

    def list(self) -> list[Access]:
        return [Access(finess, entry["granted_at"]) for finess, entry in sorted(self._read().items())]

    def current(self, finess: str) -> Access | None:
        entry = self._read().get(finess)
        return Access(finess, entry["granted_at"]) if entry else None

    def verify(self, finess: str, code: str) -> Access | None:
        """The access when the code is right, else None; always one slow hash, known FINESS or not."""
        entry = self._read().get(finess.strip().upper())
        try:
            _HASHER.verify(entry["hash"] if entry else _DECOY_HASH, normalise_code(code))
        except (VerificationError, InvalidHashError):
            return None
        return Access(finess.strip().upper(), entry["granted_at"]) if entry else None


class LoginLimiter:
    """Failed logins per FINESS and per address over a sliding window, in this process's memory.

    The portal runs as one process (uvicorn, one worker), so this memory is the whole truth; a restart
    forgets the failures, which only gives an attacker the five tries of one window again.
    """

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked_for(self, finess: str, address: str) -> float:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        waits = [
            self.window - (now - times[0])
            for times in (self._recent(f"finess:{finess}", now), self._recent(f"address:{address}", now))
            if len(times) >= self.max_failures
        ]
        return max(waits, default=0.0)

    def record_failure(self, finess: str, address: str) -> None:
        now = time.monotonic()
        self._recent(f"finess:{finess}", now).append(now)
        self._recent(f"address:{address}", now).append(now)

    def record_success(self, finess: str, address: str) -> None:
        """Undo the attempt counted before the code was checked, and forget this FINESS's failures."""
        self._failures.pop(f"finess:{finess}", None)
        attempts = self._failures.get(f"address:{address}")
        if attempts:
            attempts.pop()


class EndedSessions:
    """Sessions logged out before their cookie expires, kept in <portal dir>/ended_sessions.json so that
    a copy of the cookie replayed later opens nothing, even after the portal restarts."""

    def __init__(self, portal_dir: Path, max_age_seconds: float) -> None:
        self.path = portal_dir / "ended_sessions.json"
        self.max_age = max_age_seconds
        self._ended: dict[str, float] = (
            json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        )

    def __contains__(self, sid: object) -> bool:
        return sid in self._ended

    def add(self, sid: str) -> None:
        now = time.time()
        self._ended = {s: t for s, t in self._ended.items() if now - t < self.max_age}  # expired anyway
        self._ended[sid] = now
        write_atomically(self.path, json.dumps(self._ended))
