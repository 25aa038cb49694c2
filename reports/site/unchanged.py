"""Whether `tlkpi quarter` would change nothing, answered read-only and without the site's renderer.

Knowing it means recomputing the release (cells, secondary suppression, the audit's programmes) and
comparing its fingerprint with the latest edition's. Once that said "nothing new", the answer is kept
in <data root>/audit/<quarter>/unchanged.json under a key of everything the computation reads: the
warehouse file as it is on disk (size and modification time of the file and its WAL), the publication
rules and the code that computes. While the key holds, the same computation would give the same
answer, so it is not run again; any write to the warehouse, new rules or new code change the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from functools import cache
from pathlib import Path

from disclosure.editions import Edition, latest_edition, unchanged_edition
from disclosure.rules import Rules
from reports.site.manifest import is_current
from tlkpi.errors import TransientError, WarehouseError
from tlkpi.settings import PROJECT_ROOT, Settings
from warehouse.db import open_warehouse

ANSWER_FILE = "unchanged.json"
CODE_FOLDERS = (
    "disclosure",
    "warehouse",
    "schemas",
)  # what computes a release: its Python, SQL and the catalogue


def unchanged_publication(settings: Settings, quarter: str) -> Edition | None:
    """The published edition when `tlkpi quarter` would change nothing (no new edition, site intact).

    Reads only, without waiting: a warehouse held by a writer, not yet migrated or not there gives None
    (the flow, a writer, waits its turn, migrates, or says what is wrong).
    """
    rules = Rules.of(settings)
    key = recompute_key(settings, quarter, rules)
    try:
        with open_warehouse(settings.warehouse, read_only=True, wait_seconds=0) as con:
            with without_pandas():  # the answer kept under this key: two small reads
                latest = latest_edition(con, quarter)
                known = known_unchanged(settings, quarter, key) if key is not None else None
                if latest is not None and known == latest.number:
                    return latest if is_current(settings.site_dir / quarter, latest) else None
            edition = unchanged_edition(con, quarter, rules)
            if edition is not None and key is not None:
                remember_unchanged(settings, quarter, key, edition.number)
    except (TransientError, WarehouseError):
        return None
    if edition is None or not is_current(settings.site_dir / quarter, edition):
        return None
    return edition


@contextmanager
def without_pandas() -> Iterator[None]:
    """DuckDB imports pandas (0.3–0.7 s) at the first query with parameters, to recognise pandas values
    among them; reads that pass only plain values do without it. Blocked only while nothing imported it,
    for this block (DuckDB uses pandas normally afterwards)."""
    if "pandas" in sys.modules:
        yield
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get("pandas") is None:
            del sys.modules["pandas"]


def recompute_key(settings: Settings, quarter: str, rules: Rules) -> str | None:
    """A key of everything the release of `quarter` is computed from; None for a lake (its files on
    disk do not say when it changed)."""
    if settings.warehouse_backend != "file":
        return None
    path = settings.warehouse_path
    parts = [quarter, json.dumps(asdict(rules), sort_keys=True), code_digest()]
    for stored in (path, path.with_name(path.name + ".wal")):
        try:
            found = stored.stat()
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{found.st_ino}:{found.st_size}:{found.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@cache
def code_digest(project: Path = PROJECT_ROOT) -> str:
    """A hash of the code and reference data that compute a release."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((project / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".sql", ".yaml", ".yml", ".csv"):
                digest.update(path.relative_to(project).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def answer_path(settings: Settings, quarter: str) -> Path:
    return settings.audit_dir / quarter / ANSWER_FILE


def known_unchanged(settings: Settings, quarter: str, key: str) -> int | None:
    """The edition a previous computation under the same key found unchanged, if any."""
    try:
        known = json.loads(answer_path(settings, quarter).read_text(encoding="utf-8"))
        return int(known["edition"]) if known.get("key") == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_unchanged(settings: Settings, quarter: str, key: str, edition: int) -> None:
    """Keep the answer for the next command; a folder that cannot be written only costs the next one time."""
    target = answer_path(settings, quarter)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps({"key": key, "edition": edition}), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)
