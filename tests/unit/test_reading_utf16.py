"""Excel's and LibreOffice's « Texte Unicode » export (UTF-16, tab-separated) is read, not called binary."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest

from schemas.catalogue import default_catalogue
from schemas.reading import read_submission
from schemas.validation import validate_table
from tlkpi.errors import SubmissionError

TEXT = (
    "FINESS\tCas d'usage\tIndicateur\tPériode\tPhase\tValeur\tCommentaire\r\n"
    "010780195\tUC01\tEFF_DELAI_PEC\t2025-T3\tpilote\t42,5\tréévaluée à l'été\r\n"
)


@pytest.mark.parametrize(
    ("bom", "codec"), [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
)
def test_a_unicode_text_export_with_its_bom_is_read(tmp_path: Path, bom: bytes, codec: str) -> None:
    path = tmp_path / "indicateurs.txt"
    path.write_bytes(bom + TEXT.encode(codec))
    verdict = validate_table(read_submission(path), default_catalogue(), today=date(2026, 11, 22))
    assert verdict.accepted, verdict.issues
    assert verdict.measurements is not None
    assert verdict.measurements.select("value", "comment").row(0) == (42.5, "réévaluée à l'été")


def test_utf16_without_its_bom_is_refused_under_the_encoding_rule(tmp_path: Path) -> None:
    path = tmp_path / "indicateurs.csv"
    path.write_bytes(TEXT.encode("utf-16-le"))
    with pytest.raises(SubmissionError) as refused:
        read_submission(path)
    assert refused.value.rule == "encodage" and "CSV UTF-8" in refused.value.message


def test_a_broken_utf16_file_is_refused_under_the_encoding_rule(tmp_path: Path) -> None:
    path = tmp_path / "indicateurs.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate
    with pytest.raises(SubmissionError) as refused:
        read_submission(path)
    assert refused.value.rule == "encodage"
