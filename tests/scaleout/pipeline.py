"""The ingest run without Prefect (`ingest_inbox`) and the quarter flow's own tasks in order (their `.fn`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from intake.run import ingest_inbox
from intake.submissions import Outcome
from tasks.aggregate import QuarterSummary, aggregate_quarter
from tasks.load import sync_reference
from tasks.render import render_private, render_site
from tests.support.inbox import drop_numbered_files
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
    """The ingest flow's steps without Prefect: claim a batch, read, validate, settle, until the inbox is empty."""
    return ingest_inbox(settings, TODAY)


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


def drop_files(inbox: Path, count: int, first: int = 0) -> int:
    """`count` accepted files over four establishments whose keys repeat every 68 files (a later file
    corrects an earlier one); returns the rows written."""
    return drop_numbered_files(inbox, count, first, values_repeat=50)
