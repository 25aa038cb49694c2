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
    max_dominance: float = Field(
        default=0.85,
        gt=0,
        le=1,
        description="A linear statistic (mean, pooled rate, share) is withheld when one establishment "
        "holds more than this share of the cell's weight: its patients for rates and weighted means, "
        "its amount for euro sums and ROI (INSEE dominance rule).",
    )
    min_position: int = Field(
        default=10,
        ge=1,
        description="Medians, quartiles, their intervals and the ROI quartiles are published only from "
        "this many experimentations: a position statistic of a small group is one member's own value.",
    )
    min_extreme_position: int = Field(
        default=20,
        ge=1,
        description="P10 and P90 are published only from this many experimentations.",
    )
    protection_level: float = Field(
        default=0.20,
        gt=0,
        description="The audit fails a release when an attacker solving the linear programmes of the "
        "published tables can bound a withheld additive figure closer than this fraction of its value "
        "on either side (0.20: ±20 %).",
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
    calculator_band: float = Field(
        default=0.3,
        gt=0,
        lt=1,
        description="The ROI calculator's range when no spread of the gains is published (fewer than 10 "
        "experimentations): the gain per patient ± this share (0.3 = ± 30 %), stated on the page.",
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

    portal_host: str = Field(
        default="127.0.0.1",
        description="Address `tlkpi portal` listens on. Keep loopback behind a TLS reverse proxy.",
    )
    portal_port: int = Field(default=8450, ge=1, le=65535, description="Port `tlkpi portal` listens on.")
    portal_max_upload_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="An upload larger than this is refused while it streams in, before it is written whole.",
    )
    portal_max_failed_logins: int = Field(
        default=5,
        ge=1,
        description="Wrong access codes allowed per FINESS and per address within the login window; the "
        "next attempt is refused until the window has passed.",
    )
    portal_login_window_seconds: float = Field(
        default=900.0, gt=0, description="The window over which failed logins are counted."
    )
    portal_session_max_age_seconds: int = Field(
        default=8 * 3600, ge=60, description="A portal session ends after this long; the user logs in again."
    )
    portal_secure_cookies: bool = Field(
        default=False,
        description="Mark the session cookie Secure (sent over HTTPS only). Set it to true behind the TLS "
        "reverse proxy of production; false only for a loopback test without TLS.",
    )
    portal_secret_key: str | None = Field(
        default=None,
        description="Key that signs the session cookies. Unset: a random key is created once in "
        "<data root>/portal/secret.key (mode 600) and kept.",
    )
    portal_trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Addresses of reverse proxies whose X-Forwarded-For header gives the client address "
        "(used by the login rate limit); comma-separated.",
    )
    ingest_every_minutes: int = Field(
        default=5,
        ge=1,
        description="How often the ingest deployment runs (keep in step with prefect.yaml); the portal "
        "tells an establishment its file will be loaded within this delay.",
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
    def outbox_dir(self) -> Path:
        """outbox/<FINESS>/: a receipt per file (HTML + JSON) and the private reports, for establishments."""
        return self.root / "outbox"

    @property
    def portal_dir(self) -> Path:
        """The portal's own state: access codes (hashed), its signing key, uploads being checked."""
        return self.root / "portal"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse" / "tlkpi.duckdb"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def audit_dir(self) -> Path:
        """The disclosure audits of the editions (operators only: next to site/, never inside it)."""
        return self.root / "audit"

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
