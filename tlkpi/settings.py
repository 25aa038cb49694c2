"""Typed settings, read once from the environment (prefix TLKPI_) and passed down."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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

    server_host: str = Field(
        default="127.0.0.1",
        description="Interface of the Prefect server (API and UI) that `tlkpi serve` starts; keep it on "
        "loopback and put a reverse proxy with authentication in front for remote analysts.",
    )
    server_port: int = Field(
        default=4200,
        ge=1,
        le=65535,
        description="Port of that server: the Prefect UI is at http://<host>:<port>/ (fixed, so "
        "bookmarks and the printed link keep working).",
    )

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
    # INFO: the steps of every run reach its log in the Prefect UI (and the console, as progress)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    # the temporary local API migrates its SQLite database on first start: slower than the default 20 s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
