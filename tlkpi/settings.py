"""Typed settings, read once from the environment (prefix TLKPI_) and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Lake:
    """Where a DuckLake warehouse lives: its catalogue database and its data files.

    `snapshot` pins a reader to one snapshot of the lake (time travel); None is the latest.
    """

    catalog: str  # libpq connection string of the PostgreSQL catalogue database
    data_path: str  # folder (shared filesystem) or s3://bucket/prefix/ of the Parquet data files
    snapshot: int | None = None


class Settings(BaseSettings):
    """Where data lives and the publication rules. Every field can be set as TLKPI_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="TLKPI_", frozen=True)

    data_root: Path = Field(
        default=Path("var"),
        description="Root of inbox/, archive/, rejected/, warehouse/ and site/. Relative paths are "
        "taken from the current directory.",
    )
    min_establishments: int = Field(
        default=3,
        ge=1,
        description="A statistic over fewer establishments is withheld ('secret statistique').",
    )
    min_patients: int = Field(
        default=11,
        ge=1,
        description="A statistic whose patient count (Σ effectif or Σ dénominateur) is under this is "
        "withheld (CNIL/ATIH rule of 11).",
    )
    quarter_grace_days: int = Field(
        default=10,
        ge=0,
        description="Days after a quarter closes during which its files are on time; the quarterly "
        "deployment runs on that day (keep the cron of prefect.yaml in step). A file for the quarter "
        "received later is marked late in the completeness table.",
    )
    max_file_bytes: int = Field(
        default=200 * 1024 * 1024,
        description="A submitted file larger than this is rejected unread.",
    )
    max_rows: int = Field(
        default=2_000_000,
        description="A submitted file with more data rows than this is rejected.",
    )
    claim_timeout_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="A claimed file whose run has not settled it after this long is put back in the "
        "inbox (its run died). Keep it above the longest ingest run.",
    )
    warehouse_backend: Literal["file", "ducklake"] = Field(
        default="file",
        description="`file`: one embedded DuckDB file under <data root>/warehouse/ (one writer process at a "
        "time, one machine). `ducklake`: a DuckLake whose catalogue is the PostgreSQL database of "
        "`lake_catalog` and whose data files are under `lake_data_path`; several ingest workers commit "
        "concurrently and readers never wait. `tlkpi migrate-warehouse --to ducklake` copies a file "
        "warehouse into a lake.",
    )
    lake_catalog: str = Field(
        default="",
        description="With the ducklake backend: libpq connection string of the PostgreSQL catalogue "
        "database, e.g. `dbname=tlkpi_lake host=db.internal user=tlkpi`. Keep the password out of it: "
        "libpq reads PGPASSWORD or ~/.pgpass.",
    )
    lake_data_path: str = Field(
        default="",
        description="With the ducklake backend: where the lake's Parquet files live, a folder every worker "
        "mounts (NFS, CephFS) or `s3://bucket/prefix/` through DuckDB's httpfs (credentials from the "
        "usual AWS_* variables or instance profile). Empty: <data root>/lake/.",
    )
    ingest_batch_files: int = Field(
        default=0,
        ge=0,
        description="A run claims at most this many files at a time, settles them, then claims the next "
        "ones until the inbox is empty; 0 = the whole inbox at once. With several ingest workers (the "
        "ducklake backend) a few dozen lets them share a large inbox, and a killed worker holds no more.",
    )
    render_workers: int = Field(
        default=0,
        ge=0,
        description="Processes that render the charts and the private reports of a quarter; 0 = one "
        "per available CPU (fewer for small jobs), 1 = none besides the flow's own.",
    )
    publish_names_of: tuple[str, ...] = Field(
        default=(),
        description="FINESS numbers of establishments that agreed to be named on public pages.",
    )

    @model_validator(mode="after")
    def check_lake_catalog(self) -> Settings:
        if self.warehouse_backend == "ducklake" and not self.lake_catalog:
            raise ValueError("TLKPI_WAREHOUSE_BACKEND=ducklake needs TLKPI_LAKE_CATALOG (a libpq string)")
        return self

    @cached_property
    def root(self) -> Path:
        return self.data_root.resolve()

    @property
    def inbox_dir(self) -> Path:
        return self.root / "inbox"

    @property
    def processing_dir(self) -> Path:
        return self.root / "processing"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def rejected_dir(self) -> Path:
        return self.root / "rejected"

    @property
    def reference_dir(self) -> Path:
        """The establishment register (establishments.csv: finess,name,category,region,public_name)."""
        return self.root / "reference"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse" / "tlkpi.duckdb"

    @property
    def warehouse(self) -> Path | Lake:
        """The warehouse the pipeline reads and writes: the DuckDB file, or the lake."""
        if self.warehouse_backend == "file":
            return self.warehouse_path
        return Lake(self.lake_catalog, self.lake_data_path or f"{self.root / 'lake'}/")

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def prefect_home(self) -> Path:
        return self.root / "prefect"


def configure_runtime_env(settings: Settings) -> None:
    """Keep Prefect and GE local, quiet and inside the project before they are imported."""
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # the temporary local API migrates its SQLite database on first start: slower than the default 20 s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
