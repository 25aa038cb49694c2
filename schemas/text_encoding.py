"""The text of a submitted CSV: its encoding (UTF-8, UTF-16 with a BOM, Windows-1252) and its separator."""

from __future__ import annotations

import codecs
from pathlib import Path

from schemas.messages import file_error


def _looks_like_utf16(sample: bytes) -> bool:
    """Text in UTF-16 without its BOM: nearly every other byte is zero (Latin text)."""
    halves = (sample[0::2], sample[1::2])
    return len(sample) >= 4 and any(half.count(0) >= 0.9 * len(half) for half in halves)


def refuse_binary(data: bytes, path: Path) -> None:
    if _looks_like_utf16(data[:4096]):
        raise file_error("utf16_sans_bom", path)
    if b"\x00" in data[:4096]:
        raise file_error("contenu_binaire", path)


def utf8_bytes(data: bytes, path: Path) -> bytes:
    """The text of a CSV as UTF-8 bytes: UTF-8 (with or without BOM) as is, UTF-16 with its BOM (Excel's
    and LibreOffice's « Texte Unicode ») decoded, else Windows-1252 (the French Excel export) re-encoded.
    A UTF-8 file is only checked, never copied through a `str`."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16_as_utf8(data, path)
    refuse_binary(data, path)
    try:
        data.decode("utf-8")  # validates; polars drops a BOM itself
        return data
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise file_error("encodage_inconnu", path, position=exc.start) from exc


def _utf16_as_utf8(data: bytes, path: Path) -> bytes:
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise file_error("utf16_illisible", path, position=exc.start) from exc


def sniff_separator(text: str) -> str:
    """`;`, `,` or tab: the one that splits the header line most.

    The header is the contract's own labels, which hold none of these characters, so counting there is
    reliable where csv.Sniffer is not (it takes the apostrophes of French comments for quotes).
    """
    header = text.split("\n", 1)[0]
    counts = {separator: header.count(separator) for separator in (";", ",", "\t")}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","
