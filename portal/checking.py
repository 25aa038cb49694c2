"""The portal's instant check: the same reading and validation as `tlkpi check`, in the warm process.

The catalogue and the Great Expectations validator are built once (at start-up, by `warm_up`), so a
check costs only the reading and the rules. Checks run one at a time: the machine is small and the
validator is shared.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from intake.claim_issues import budget_issue
from schemas.bounds import DEFAULT_CHECK_LIMITS, CheckLimits, CheckTimeout
from schemas.catalogue import default_catalogue
from schemas.messages import Issue
from schemas.reading import Limits, read_submission
from schemas.validation import validate_table
from tlkpi.errors import SubmissionError

_LOCK = threading.Lock()
_WARM_UP_ROWS = (
    "FINESS;Cas d'usage;Indicateur;Période;Phase;Valeur\r\n010780195;UC01;EFF_DELAI_PEC;2025-T3;pilote;40\r\n"
)


@dataclass(frozen=True)
class CheckResult:
    issues: list[Issue]
    n_rows: int

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def accepted(self) -> bool:
        return not self.errors


def check_file(
    path: Path,
    finess: str | None,
    limits: Limits,
    check_limits: CheckLimits = DEFAULT_CHECK_LIMITS,
    today: date | None = None,
) -> CheckResult:
    """Every issue of the file as the ingest would find them, for this establishment's folder.

    `tlkpi check` and the portal both call this one function.
    """
    with _LOCK:
        try:
            table = read_submission(path, limits)
            verdict = validate_table(
                table,
                default_catalogue(),
                today=today or date.today(),
                inbox_finess=finess,
                limits=check_limits,
            )
        except SubmissionError as exc:
            return CheckResult([Issue(exc.rule, exc.message, exc.row, exc.column)], 0)
        except CheckTimeout:  # the file's time budget, reading or checking
            return CheckResult([budget_issue(limits.seconds_per_file)], 0)
    return CheckResult(list(verdict.issues), verdict.n_rows)


class CheckRefused(Exception):
    """No check now: `reason` is "session" (this session already has one running) or "full"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CheckQueue:
    """Fair checking: one check at a time per session, and at most `max_waiting` running or waiting over
    all sessions, so one establishment sending many files cannot make every other one wait behind it.

    Only the event loop touches it (no await between test and change), so it needs no lock.
    """

    def __init__(self, max_waiting: int) -> None:
        self.max_waiting = max_waiting
        self._sessions: set[str] = set()

    def __len__(self) -> int:
        return len(self._sessions)

    @contextmanager
    def slot(self, session: str) -> Iterator[None]:
        if session in self._sessions:
            raise CheckRefused("session")
        if len(self._sessions) >= self.max_waiting:
            raise CheckRefused("full")
        self._sessions.add(session)
        try:
            yield
        finally:
            self._sessions.discard(session)


def warm_up(scratch: Path) -> None:
    """Build the catalogue and the validator now, so the first establishment does not wait for them."""
    scratch.mkdir(parents=True, exist_ok=True)
    sample = scratch / "warm-up.csv"
    sample.write_text(_WARM_UP_ROWS, encoding="utf-8")
    try:
        check_file(sample, "010780195", Limits())
    finally:
        sample.unlink(missing_ok=True)
