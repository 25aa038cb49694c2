"""The text of a submitted CSV: its encoding (UTF-8, UTF-16 with a BOM, Windows-1252) and its separator."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from schemas.messages import file_error
from tlkpi.errors import SubmissionError

# a 2- or 3-byte UTF-8 sequence (é, è, €…): Windows-1252 text practically never holds one
UTF8_ACCENT = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
# the same search as byte classes: lead of 2 -> "2", lead of 3 -> "3", continuation -> "c", others -> "."
_BYTE_CLASSES = bytes(
    ord("c") if 0x80 <= byte <= 0xBF else ord("2") if 0xC2 <= byte <= 0xDF else ord("3") if 0xE0 <= byte <= 0xEF
    else ord(".")
    for byte in range(256)
)  # fmt: skip


def holds_utf8_accent(data: bytes) -> bool:
    """`UTF8_ACCENT.search(data)`, answered by `bytes.translate` and two `in` searches (C loops over the
    bytes): the regex took 0.7 CPU s over a 65 MB file, this 0.17 s."""
    classes = data.translate(_BYTE_CLASSES)
    return b"2c" in classes or b"3cc" in classes


def _looks_like_utf16(sample: bytes) -> bool:
    """Text in UTF-16 without its BOM: nearly every other byte is zero (Latin text)."""
    halves = (sample[0::2], sample[1::2])
    return len(sample) >= 4 and any(half.count(0) >= 0.9 * len(half) for half in halves)


def refuse_binary(data: bytes, path: Path) -> None:
    if _looks_like_utf16(data[:4096]):
        raise file_error("utf16_sans_bom", path)
    if b"\x00" in data[:4096]:
        raise file_error("contenu_binaire", path)
    refuse_nul(data, path)


def encoding_error(message: str, path: Path, line: int) -> SubmissionError:
    """An error of the file's encoding (rule `encodage`) at one line."""
    return SubmissionError(message, path=str(path), row=line, rule="encodage")


def refuse_nul(text: bytes, path: Path) -> None:
    """A NUL byte anywhere (a damaged export, a binary pasted in): nothing after it can be trusted."""
    position = text.find(b"\x00")
    if position >= 0:
        line = text.count(b"\n", 0, position) + 1
        raise encoding_error(
            f"Le fichier contient un caractère nul (octet 0) à la ligne {line} : ce n'est pas du texte. "
            "Enregistrez-le à nouveau en « CSV UTF-8 » depuis le tableur, ou envoyez le classeur .xlsx.",
            path,
            line,
        )


def _refuse_mixed(data: bytes, start: int, path: Path) -> None:
    """Valid UTF-8 accents beside bytes that are not UTF-8: two encodings in one file (a copy-paste
    between exports). Read as Windows-1252, the UTF-8 part would turn into « Ã© » silently."""
    if holds_utf8_accent(data):
        line = data.count(b"\n", 0, start) + 1
        raise encoding_error(
            f"Le fichier mélange deux encodages (UTF-8 et Windows-1252) : la ligne {line} n'est pas dans "
            "le même encodage que le reste. Enregistrez tout le fichier en « CSV UTF-8 » depuis le tableur.",
            path,
            line,
        )


def utf8_bytes(data: bytes, path: Path) -> bytes:
    """The text of a CSV as UTF-8 bytes: UTF-8 (with or without BOM) as is, UTF-16 with its BOM (Excel's
    and LibreOffice's « Texte Unicode ») decoded, else Windows-1252 (the French Excel export) re-encoded.
    A UTF-8 file is only checked, never copied through a `str`."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise SubmissionError(
            "Le fichier est enregistré en UTF-32, un encodage non accepté. Enregistrez-le en "
            "« CSV UTF-8 » ou envoyez le classeur .xlsx.",
            path=str(path),
            rule="encodage",
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _utf16_as_utf8(data, path)
        refuse_nul(text, path)
        return text
    refuse_binary(data, path)
    try:
        data.decode("utf-8")  # validates; polars drops a BOM itself
        return data
    except UnicodeDecodeError as exc:
        first_invalid = exc.start
    try:
        text = data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise file_error("encodage_inconnu", path, position=exc.start) from exc
    _refuse_mixed(data, first_invalid, path)
    return text


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
