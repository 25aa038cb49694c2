"""Receipts: after each ingest run, `outbox/<FINESS>/` holds per file a French HTML receipt and a JSON
twin; the private reports of each quarter are copied there too. The portal reads only these files.

A clerk who drops files by SFTP or a shared folder finds every outcome beside the inbox.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from intake.feedback import render_receipt
from schemas.messages import Issue
from tlkpi.files import temporary_beside, write_atomically

RECEIPT_ID = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{12}-[0-9a-f]{6}$")
NO_FOLDER = "_sans_dossier"  # files dropped straight in inbox/, outside any establishment's folder
REPORTS_DIR = "rapports"
STATUS_FR = {"accepted": "accepté", "rejected": "refusé"}


@dataclass(frozen=True)
class Receipt:
    """What an establishment is told about one file (the JSON twin holds these fields and the issues)."""

    id: str  # <received, UTC, compact>-<sha256[:12]>: sorts by time, names the two files
    file: str  # the file name as dropped
    finess: str | None
    received_at: str
    settled_at: str
    verdict: str  # accepted | rejected | duplicate
    rows: int
    loaded: int
    superseded: int  # measurements of earlier files this one replaced
    note: str  # for a duplicate: which earlier submission it repeats
    sha256: str
    deposited_by: str | None = None  # the portal referent who deposited the file; None for a folder drop


def receipt_id(received_at: str, sha256: str, file: str) -> str:
    """One id per drop: the same bytes dropped twice within a second under two names get two receipts."""
    when = datetime.fromisoformat(received_at).astimezone(UTC)
    name = hashlib.sha256(file.encode()).hexdigest()[:6]
    return f"{when:%Y%m%dT%H%M%S}-{sha256[:12]}-{name}"


def outbox_folder(outbox: Path, finess: str | None) -> Path:
    return outbox / (finess or NO_FOLDER)


def _duplicate_note(first_issue: str) -> str:
    for status, french in STATUS_FR.items():
        first_issue = first_issue.replace(f"({status})", f"({french})")
    return first_issue


def write_receipt(
    outbox: Path,
    *,
    file: str,
    finess: str | None,
    received_at: str,
    sha256: str,
    verdict: str,
    rows: int,
    loaded: int,
    superseded: int,
    first_issue: str,
    issues: list[Issue],
    deposited_by: str | None = None,
) -> Receipt:
    """Write `<id>.html` and `<id>.json` into outbox/<FINESS>/ (each complete or absent).

    A run retried after its files were recorded sees them as duplicates of themselves: the receipt
    written the first time (same id: same file, same drop) is kept rather than overwritten.
    """
    receipt = Receipt(
        id=receipt_id(received_at, sha256, file),
        file=file,
        finess=finess,
        received_at=received_at,
        settled_at=datetime.now(UTC).isoformat(timespec="seconds"),
        verdict=verdict,
        rows=rows,
        loaded=loaded,
        superseded=superseded,
        note=_duplicate_note(first_issue) if verdict == "duplicate" else "",
        sha256=sha256,
        deposited_by=deposited_by,
    )
    folder = outbox_folder(outbox, finess)
    if verdict == "duplicate" and (folder / f"{receipt.id}.json").exists():
        return receipt
    shown = [] if verdict == "duplicate" else issues
    payload = {**asdict(receipt), "issues": [asdict(issue) for issue in shown]}
    write_atomically(folder / f"{receipt.id}.json", json.dumps(payload, ensure_ascii=False, indent=1))
    write_atomically(folder / f"{receipt.id}.html", render_receipt(asdict(receipt), shown))
    return receipt


def read_receipts(outbox: Path, finess: str) -> list[dict]:
    """The receipts of one establishment, newest first (the JSON twins, with their issues)."""
    folder = outbox_folder(outbox, finess)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.json"):
        if RECEIPT_ID.match(path.stem) and (text := _read_regular(path)) is not None:
            try:
                receipt = json.loads(text)
            except ValueError:  # not one we wrote (the establishment may write here): not listed
                continue
            if isinstance(receipt, dict) and receipt.get("id") == path.stem:
                found.append(receipt)
    return sorted(found, key=lambda receipt: receipt["id"], reverse=True)


def _read_regular(path: Path) -> str | None:
    """The text of a regular file, never of what a link points to (establishments may write here)."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as opened:
        if not stat.S_ISREG(os.fstat(opened.fileno()).st_mode):
            return None
        return opened.read().decode("utf-8")


def deliver_private_reports(private_quarter: Path, outbox: Path, quarter: str, edition: int) -> list[Path]:
    """Copy private/<quarter>/<FINESS>/ to outbox/<FINESS>/rapports/<quarter>/edition-<n>/ for each one.

    Each edition keeps its own folder, so an establishment sees every edition of every quarter.
    """
    delivered: list[Path] = []
    if not private_quarter.is_dir():
        return delivered
    for source in sorted(p for p in private_quarter.iterdir() if p.is_dir()):
        target = outbox / source.name / REPORTS_DIR / quarter / f"edition-{edition}"
        temporary = temporary_beside(target)
        shutil.copytree(source, temporary)
        if target.exists():
            shutil.rmtree(target)
        os.replace(temporary, target)
        delivered.append(target / "index.html")
    return delivered


def list_private_reports(outbox: Path, finess: str) -> list[tuple[str, int]]:
    """(quarter, edition) of the private reports delivered to an establishment, newest first."""
    folder = outbox_folder(outbox, finess) / REPORTS_DIR
    found = []
    for index in folder.glob("*/edition-*/index.html"):
        quarter, edition = index.parent.parent.name, index.parent.name.removeprefix("edition-")
        if edition.isdigit():
            found.append((quarter, int(edition)))
    return sorted(found, reverse=True)
