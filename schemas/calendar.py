"""The programme's calendar: reference/experimentations.csv says when each experimentation (establishment
x use case) started and, once known, ended. Its Table Schema, and a reader whose errors name file, row
and column in French."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.catalogue import Catalogue
from schemas.finess import FINESS_PATTERN, finess_problem
from schemas.periods import parse_period
from tlkpi.errors import OperatorError

CALENDAR_FILE = "experimentations.csv"
QUARTER_PATTERN = r"^\d{4}-[TQ][1-4]$"  # 2025-T1, or 2025-Q1 as an English tool writes it
COLUMNS = ("finess", "use_case", "start_quarter", "end_quarter")


@dataclass(frozen=True, order=True)
class CalendarEntry:
    """One experimentation: expected from `start_quarter` to `end_quarter` included (None: still running)."""

    finess: str
    use_case: str
    start_quarter: str
    end_quarter: str | None

    def runs_in(self, quarter: str) -> bool:
        return self.start_quarter <= quarter and (self.end_quarter is None or quarter <= self.end_quarter)


class CalendarError(OperatorError):
    """reference/experimentations.csv cannot be read: the message (French) names the row and column."""


def calendar_table_schema(catalogue: Catalogue) -> dict[str, Any]:
    """The Table Schema (frictionless, schema.data.gouv.fr) of reference/experimentations.csv."""
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": "Calendrier des expérimentations",
        "description": "Une ligne par expérimentation (établissement x cas d'usage) : son premier "
        "trimestre pilote et, quand il est connu, son dernier.",
        "fields": [
            {
                "name": "finess",
                "type": "string",
                "title": "FINESS géographique",
                "constraints": {"required": True, "pattern": FINESS_PATTERN},
            },
            {
                "name": "use_case",
                "type": "string",
                "title": "Cas d'usage",
                "constraints": {"required": True, "enum": sorted(catalogue.use_cases)},
            },
            {
                "name": "start_quarter",
                "type": "string",
                "title": "Premier trimestre pilote",
                "constraints": {"required": True, "pattern": QUARTER_PATTERN},
            },
            {
                "name": "end_quarter",
                "type": "string",
                "title": "Dernier trimestre pilote (vide : en cours)",
                "constraints": {"pattern": QUARTER_PATTERN},
            },
        ],
        "primaryKey": ["finess", "use_case"],
        "missingValues": [""],
    }


def read_calendar(path: Path, catalogue: Catalogue) -> list[CalendarEntry] | None:
    """The calendar's entries, sorted; None when the file does not exist (every experimentation seen
    is then expected). Raises CalendarError on the first bad row."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            raise CalendarError(
                f"{path} : colonne(s) absente(s) : {', '.join(missing)}. L'en-tête attendu est "
                f"« {','.join(COLUMNS)} »."
            )
        entries: dict[tuple[str, str], CalendarEntry] = {}
        for line, row in enumerate(reader, start=2):
            entry = _entry(path, line, row, catalogue)
            key = (entry.finess, entry.use_case)
            if key in entries:
                raise CalendarError(
                    f"{path}, ligne {line} : l'expérimentation {entry.finess} × {entry.use_case} figure "
                    "déjà plus haut (règle : une ligne par établissement et cas d'usage)."
                )
            entries[key] = entry
    return sorted(entries.values())


def _entry(path: Path, line: int, row: dict[str, str | None], catalogue: Catalogue) -> CalendarEntry:
    def fail(column: str, problem: str) -> CalendarError:
        return CalendarError(f"{path}, ligne {line}, colonne « {column} » : {problem}")

    finess = (row.get("finess") or "").strip()
    if problem := finess_problem(finess):
        raise fail("finess", problem)
    use_case = (row.get("use_case") or "").strip()
    if use_case not in catalogue.use_cases:
        codes = sorted(catalogue.use_cases)
        raise fail(
            "use_case", f"« {use_case} » n'est pas un cas d'usage du catalogue ({codes[0]} à {codes[-1]})."
        )
    start = _quarter(row.get("start_quarter"))
    if start is None:
        raise fail("start_quarter", "trimestre de début manquant ou mal écrit ; écrivez-le « 2025-T1 ».")
    end_text = (row.get("end_quarter") or "").strip()
    end = _quarter(end_text)
    if end_text and end is None:
        raise fail(
            "end_quarter", f"« {end_text} » n'est pas un trimestre ; écrivez « 2025-T4 » ou laissez vide."
        )
    if end is not None and end < start:
        raise fail("end_quarter", f"le dernier trimestre ({end}) précède le premier ({start}).")
    return CalendarEntry(finess, use_case, start, end)


def _quarter(text: str | None) -> str | None:
    period = parse_period((text or "").strip())
    return period.label if period is not None and period.month is None else None
