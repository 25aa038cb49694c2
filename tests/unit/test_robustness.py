"""Whatever an establishment sends ends in a verdict, never in a traceback."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.catalogue import default_catalogue
from schemas.columns import COLUMNS
from schemas.reading import read_submission
from schemas.validation import validate_table
from tlkpi.errors import SubmissionError

TODAY = date(2026, 11, 22)
HEADER = [column.label for column in COLUMNS]


def verdict_or_rule(data: bytes, suffix: str) -> str:
    """Read then validate the bytes as a file with this suffix: 'accepted', 'rejected' or the rule."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"envoi{suffix}"
        path.write_bytes(data)
        try:
            table = read_submission(path)
        except SubmissionError as exc:
            assert exc.message and exc.rule
            return exc.rule
        verdict = validate_table(table, default_catalogue(), today=TODAY)
    assert all(issue.message and "{value}" not in issue.message for issue in verdict.issues)
    return "accepted" if verdict.accepted else "rejected"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".txt"]))
def test_random_bytes_always_get_a_verdict(data: bytes, suffix: str) -> None:
    assert verdict_or_rule(data, suffix)


CELL = st.one_of(
    st.sampled_from(["010780195", "2A0000014", "UC05", "EFF_DELAI_PEC", "QUA_READMISSION_30J", "2025-T3", "2025-09",
                     "pilote", "référence", "12,5", "40", "", "abc", "-3", "1e400", "nan", "=1+1", "'", '"']),
    st.text(max_size=8),
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=12), max_size=6),
    separator=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_random_csv_shaped_text_always_gets_a_verdict(
    rows: list[list[str]], separator: str, encoding: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    assert verdict_or_rule(data, ".csv")
