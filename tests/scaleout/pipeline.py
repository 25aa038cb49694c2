"""The ingest and quarter flows' own tasks, run in order without the Prefect API (their `.fn`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from intake.submissions import Outcome
from tasks.aggregate import QuarterSummary, aggregate_quarter
from tasks.discover import claim_files, discover_files
from tasks.load import load_files, sync_reference
from tasks.read import read_files
from tasks.render import render_private, render_site
from tasks.validate import validate_files
from tlkpi.settings import Settings

TODAY = date(2026, 11, 22)


def lake_settings(root: Path, catalog: str, data_path: str | None = None) -> Settings:
    """Settings of the DuckLake backend: catalogue in PostgreSQL, data files by default under
    root/lake-files/."""
    return Settings(
        data_root=root,
        warehouse_backend="ducklake",
        lake_catalog=catalog,
        lake_data_path=data_path or f"{root / 'lake-files'}/",
    )


def ingest_once(settings: Settings) -> list[Outcome]:
    """The ingest flow's loop: claim a batch, read, validate, settle, until the inbox is empty."""
    sync_reference.fn(settings)
    outcomes: list[Outcome] = []
    while claims := claim_files.fn(discover_files.fn(settings), settings):
        readable = read_files.fn(claims, settings)
        summaries = validate_files.fn(claims, readable, TODAY, settings)
        outcomes += load_files.fn(claims, summaries, settings, None)
        if not settings.ingest_batch_files:
            break
    return outcomes


def publish_quarter(settings: Settings, quarter: str) -> tuple[QuarterSummary, Path]:
    sync_reference.fn(settings)
    summary = aggregate_quarter.fn(settings, quarter)
    index = Path(render_site.fn(settings, quarter))
    render_private.fn(settings, quarter)
    return summary, index


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


SITES = ["010780195", "010780906", "980600027", "2A0000014"]
HEADER = "finess,cas_usage,indicateur,periode,phase,valeur,effectif\n"


def drop_files(inbox: Path, count: int, first: int = 0) -> int:
    """`count` accepted files over four establishments whose keys repeat every 68 files (a later file
    corrects an earlier one); returns the rows written."""
    for number in range(first, first + count):
        finess = SITES[number % len(SITES)]
        folder = inbox / finess
        folder.mkdir(parents=True, exist_ok=True)
        rows = [
            f"{finess},UC{1 + number % 17:02d},EFF_DELAI_PEC,2025-{month:02d},pilote,{40 + number % 50},30"
            for month in (1, 2)
        ]
        (folder / f"kpi_{number:04d}.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return 2 * count
