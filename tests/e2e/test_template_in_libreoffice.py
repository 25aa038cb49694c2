"""The template filled in a real spreadsheet program: LibreOffice Calc (Debian's, headless, driven
through its UNO bridge by Debian's python3-uno) types a FINESS, periods and a decimal-comma value as a
clerk with a French locale would, saves .xlsx and CSV, and both files are accepted with the zeros kept.

`make test` installs libreoffice-calc-nogui and python3-uno when missing (as root); elsewhere the test
skips with the reason, unless TLKPI_REQUIRE_BROWSER=1 (set by .ci/run), which makes it fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from browser import require

from schemas.catalogue import default_catalogue
from schemas.reading import Limits, read_submission
from schemas.template import write_template_xlsx
from schemas.validation import validate_table
from tests.integration.portal_client import TODAY

SYSTEM_PYTHON = Path("/usr/bin/python3")  # the interpreter python3-uno is built for
CLERK = Path(__file__).with_name("libreoffice_clerk.py")
FINESS = "010780195"
# Headless Calc 7.4 now and then aborts in its own timer code (SvpSalInstance::CheckTimeout, "Fatal
# exception: Signal 6" on its error stream) while the clerk types: seen once in a full suite on four
# workers, a loaded machine. That is the office crashing, not the template refused: the clerk starts over
# in a new profile. Any other failure fails the test at once.
OFFICE_CRASH = "Fatal exception: Signal"
ATTEMPTS = 3


def has_uno() -> bool:
    if not SYSTEM_PYTHON.is_file():
        return False
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import uno"], capture_output=True, check=False)
    return probe.returncode == 0


def test_a_template_filled_in_libreoffice_is_accepted_as_xlsx_and_csv(tmp_path: Path) -> None:
    require(shutil.which("soffice") is not None and has_uno(),
            "no LibreOffice with its Python bridge (apt-get install libreoffice-calc-nogui python3-uno)")  # fmt: skip
    template = tmp_path / "modele.xlsx"
    write_template_xlsx(template, default_catalogue(), None, FINESS)
    typed, saved_xlsx, saved_csv = type_as_a_clerk(template, tmp_path)
    assert typed.returncode == 0, typed.stderr
    held = json.loads(typed.stdout.strip().splitlines()[-1])
    assert held["FINESS:2"] == {"shown": FINESS, "number": 0.0, "is_text": True}  # the text column kept the 0
    assert held["Valeur:2"]["number"] == 12.5 and held["Valeur:2"]["shown"] == "12,5"  # typed as in France
    assert held["Période:2"]["is_text"] and held["Période:3"]["shown"] == "2025-09"  # never a date

    for saved in (saved_xlsx, saved_csv):
        table = read_submission(saved, Limits())
        verdict = validate_table(table, default_catalogue(), today=TODAY, inbox_finess=FINESS)
        assert verdict.accepted and verdict.issues == (), (saved.name, verdict.issues)
        assert verdict.measurements is not None
        rows = verdict.measurements.select("finess", "kpi", "period", "value", "numerator").rows()
        assert rows == [
            (FINESS, "EFF_DELAI_PEC", "2025-T3", 12.5, None),
            (FINESS, "QUA_READMISSION_30J", "2025-09", 12.5, 5.0),
        ], saved.name


def type_as_a_clerk(template: Path, folder: Path) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """The clerk's session (libreoffice_clerk.py) and the .xlsx and CSV it saved; started over in a new
    profile when LibreOffice itself crashed (OFFICE_CRASH), at most ATTEMPTS times."""
    for attempt in range(1, ATTEMPTS + 1):
        work = folder / f"session-{attempt}"
        work.mkdir()
        saved_xlsx, saved_csv = work / "envoi.xlsx", work / "envoi.csv"
        typed = subprocess.run(
            [str(SYSTEM_PYTHON), str(CLERK), str(template), str(saved_xlsx), str(saved_csv), str(work / "profil")],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if typed.returncode == 0 or OFFICE_CRASH not in typed.stderr:
            break
        print(f"LibreOffice crashed in session {attempt}, starting over:\n{typed.stderr[-1500:]}")
    return typed, saved_xlsx, saved_csv
