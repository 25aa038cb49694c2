"""manifest.json of a published edition: what it holds, byte for byte, and the code that rendered it.

No wall-clock time: the same edition rendered by the same code gives the same manifest. The public
manifest lists published files only: the inputs' hashes and reception times would let anyone who
guesses a small file's content (a one-row correction) confirm it, so they go to the private
provenance file beside the audit (`<data root>/audit/<quarter>/edition-<n>-inputs.json`).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import asdict
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import duckdb

import tlkpi
from disclosure.editions import Edition
from warehouse.queries import fetch_dicts

MANIFEST = "manifest.json"
PROJECT_DIR = Path(__file__).resolve().parents[2]
RENDERING_PACKAGES = ("altair", "duckdb", "jinja2", "pyarrow", "vl-convert-python")


def read_inputs(con: duckdb.DuckDBPyConnection, edition: Edition) -> list[dict[str, Any]]:
    """The input files of an edition: id, sha256, reception time (ISO 8601)."""
    rows = fetch_dicts(con, "edition_submissions", {"quarter": edition.quarter, "number": edition.number})
    return [{**row, "received_at": row["received_at"].isoformat()} for row in rows]


@cache
def git_commit(directory: Path = PROJECT_DIR) -> str | None:
    """The commit of the code that renders, when it runs from a git checkout; else None."""
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and len(commit) == 40 else None


def package_versions() -> dict[str, str]:
    versions = {}
    for name in RENDERING_PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            continue
    return versions


def code_version() -> dict[str, Any]:
    return {"tlkpi": tlkpi.__version__, "git_commit": git_commit(), "packages": package_versions()}


def file_entries(root: Path) -> list[dict[str, Any]]:
    """Every file under root (earlier editions and the manifest aside), with its size and sha256."""
    entries = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or relative == MANIFEST or relative.startswith("editions/"):
            continue
        content = path.read_bytes()
        entries.append(
            {"path": relative, "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        )
    return entries


PRIVATE_EDITION_FIELDS = ("fingerprint", "lake_snapshot")  # a hash over the inputs' hashes; storage


def edition_entry(edition: Edition) -> dict[str, Any]:
    """The edition as published: its figures' rules and counts, never what hashes its inputs."""
    entry = asdict(edition)
    entry["as_of"] = edition.as_of.isoformat() if edition.as_of else None
    for name in PRIVATE_EDITION_FIELDS:
        del entry[name]
    return entry


def provenance_path(audit_dir: Path, edition: Edition) -> Path:
    return audit_dir / edition.quarter / f"edition-{edition.number}-inputs.json"


def write_provenance(audit_dir: Path, edition: Edition, inputs: list[dict[str, Any]]) -> Path:
    """The private provenance of an edition (operators only): its input files' ids, sha256 and
    reception times, its fingerprint and lake snapshot. Never under site/."""
    path = provenance_path(audit_dir, edition)
    entry = {**edition_entry(edition), **{name: getattr(edition, name) for name in PRIVATE_EDITION_FIELDS}}
    text = json.dumps({"format": "tlkpi-provenance/1", "edition": entry, "inputs": inputs}, indent=2,
                      ensure_ascii=False)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text + "\n":
        path.write_text(text + "\n", encoding="utf-8")
    return path


def write_manifest(root: Path, edition: Edition) -> Path:
    """Write root/manifest.json, last, over the files already written."""
    manifest = {**manifest_header(edition), "files": file_entries(root)}
    path = root / MANIFEST
    path.write_bytes((json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode())
    return path


def manifest_header(edition: Edition) -> dict[str, Any]:
    """Everything in manifest.json but the file list."""
    return {"format": "tlkpi-manifest/2", "edition": edition_entry(edition), "code": code_version()}


def is_current(root: Path, edition: Edition) -> bool:
    """True when root/ holds this edition rendered by this code, every file as the manifest lists it.

    A folder a killed run left with a stale manifest, or a file edited by hand, is not current.
    """
    try:
        manifest = json.loads((root / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return False
    files = manifest.pop("files", None) if isinstance(manifest, dict) else None
    return manifest == manifest_header(edition) and files == file_entries(root)
