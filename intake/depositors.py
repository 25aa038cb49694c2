"""Who deposited a file through the portal: the portal's own ledger, read by the ingest.

The portal writes `<portal dir>/deposits/<FINESS>/<sha256>.json` when a referent deposits a file into
`inbox/<FINESS>/`. The ledger sits in the portal's state folder, which establishments cannot write
(they write only to their inbox and outbox folders), so a file dropped by SFTP cannot claim to come
from a referent; and it is never in the inbox, so the ingest never takes it for a file of indicators.
The ingest attributes a claimed file to a referent only when its bytes (sha256) and its folder match,
and forgets the entry once the file is settled (its receipt and the warehouse then hold the referent),
so the ledger holds only deposits still waiting for the ingest.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

DEPOSITS_DIR = "deposits"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _entry(portal_dir: Path, finess: str, sha256: str) -> Path | None:
    if not _SHA256.match(sha256) or not finess.isalnum():
        return None
    return portal_dir / DEPOSITS_DIR / finess / f"{sha256}.json"


def record_deposit(portal_dir: Path, finess: str, sha256: str, referent: str, file: str) -> None:
    """Note, before the file lands in the inbox, that this referent deposits these bytes."""
    target = _entry(portal_dir, finess, sha256)
    if target is None:
        raise ValueError(f"not a FINESS and sha256: {finess!r}, {sha256!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{uuid.uuid4().hex}.part")
    record = {"referent": referent, "file": file, "deposited_at": datetime.now(UTC).isoformat()}
    temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, target)


def depositor_of(portal_dir: Path, finess: str | None, sha256: str) -> str | None:
    """The referent who deposited these bytes into this establishment's folder, if the portal did."""
    target = _entry(portal_dir, finess, sha256) if finess else None
    if target is None or target.is_symlink() or not target.is_file():
        return None
    try:
        referent = json.loads(target.read_text(encoding="utf-8")).get("referent")
    except (OSError, ValueError):
        return None
    return referent if isinstance(referent, str) and referent else None


def forget_deposits(portal_dir: Path, settled: Iterable[tuple[str | None, str]]) -> None:
    """Drop the entries of settled files (FINESS, sha256): their receipts now say who deposited them."""
    for finess, sha256 in settled:
        target = _entry(portal_dir, finess, sha256) if finess else None
        if target is not None:
            target.unlink(missing_ok=True)
