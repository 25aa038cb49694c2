"""manifest.json of a published edition: what it was built from and what it holds, byte for byte.

No wall-clock time: the same edition rendered by the same code gives the same manifest. Inputs are
named by content hash only (their file names may carry an establishment's FINESS).
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


def edition_entry(edition: Edition) -> dict[str, Any]:
    entry = asdict(edition)
    entry["as_of"] = edition.as_of.isoformat() if edition.as_of else None
    if edition.lake_snapshot is None:  # a DuckDB file keeps no snapshots: nothing to name
        del entry["lake_snapshot"]
    return entry


def write_manifest(root: Path, edition: Edition, inputs: list[dict[str, Any]]) -> Path:
    """Write root/manifest.json, last, over the files already written."""
    manifest = {**manifest_header(edition, inputs), "files": file_entries(root)}
    path = root / MANIFEST
    path.write_bytes((json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode())
    return path


def manifest_header(edition: Edition, inputs: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything in manifest.json but the file list."""
    return {
        "format": "tlkpi-manifest/1",
        "edition": edition_entry(edition),
        "inputs": inputs,
        "code": code_version(),
    }


def is_current(root: Path, edition: Edition, inputs: list[dict[str, Any]]) -> bool:
    """True when root/ holds this edition rendered by this code, every file as the manifest lists it.

    A folder a killed run left with a stale manifest, or a file edited by hand, is not current.
    """
    try:
        manifest = json.loads((root / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return False
    files = manifest.pop("files", None) if isinstance(manifest, dict) else None
    return manifest == manifest_header(edition, inputs) and files == file_entries(root)
