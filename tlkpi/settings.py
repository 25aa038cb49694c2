"""Typed settings, read once from the environment (prefix TLKPI_) and passed down."""

from __future__ import annotations

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
    max_dominance: float = Field(
        default=0.85,
        gt=0,
        le=1,
        description="A linear statistic (mean, pooled rate, share) is withheld when one establishment "
        "holds more than this share of the cell's weight: its patients for rates and weighted means, "
        "its amount for euro sums and ROI (INSEE dominance rule).",
    )
    p_percent: float = Field(
        default=0.10,
        gt=0,
        lt=1,
        description="p % rule (τ-ARGUS) on every additive figure of a cell (amounts, counts, "
        "numerators, denominators, effectifs): its linear statistics are withheld when the second "
        "largest establishment, subtracting its own part from the total, could estimate the largest "
        "within this fraction (0.10: 10 %).",
    )
    min_share: int = Field(
        default=10,
        ge=1,
        description="Shares (improved, threshold met, positive ROI) are published only from this many "
        "experimentations: in a smaller cell a share of 0 or 1 tells every member's direction.",
    )
    min_series_change: int = Field(
        default=3,
        ge=1,
        description="A cell's baseline statistics (fixed reference periods) are published anew only "
        "when at least this many establishments joined or left it since their last publication; "
        "otherwise the previous figures are kept (same members) or withheld: the difference of two "
        "quarters would be the baseline of the few who joined or left.",
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
    max_unpacked_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1,
        description="An XLSX whose members, or a Parquet whose uncompressed columns, add up to more than "
        "this is rejected before any data is read (sizes from the zip directory / Parquet footer).",
    )
    max_columns: int = Field(
        default=200,
        ge=10,
        description="An XLSX sheet or Parquet file with more columns than this is rejected unread.",
    )
    max_cell_chars: int = Field(
        default=100,
        ge=20,
        description="A code or number cell longer than this is rejected before any regex runs on it "
        "(the comment has its own 500-character rule).",
    )
    max_count: int = Field(
        default=100_000_000,
        ge=1,
        le=2_000_000_000,
        description="Plausible ceiling of a numerator, denominator or effectif; above it the row is "
        "rejected before any cast (effectif is stored as a 32-bit integer).",
    )
    min_period_year: int = Field(
        default=2000,
        ge=1,
        description="A period before this year is rejected (a year 0000 is an Excel or typing error).",
    )
    check_seconds_per_file: float = Field(
        default=60.0,
        gt=0,
        description="Time budget of checking one file; a batch gets this per file. A file that alone "
        "goes past it is rejected with a message naming the limit.",
    )
    settle_seconds: float = Field(
        default=10.0,
        ge=0,
        description="A file is taken only once its size and modification time have not changed for "
        "this long (an upload still being written is left for the next run). Uploads named `.part` "
        "and renamed when complete are never taken early.",
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
        default=3,
        ge=1,
        description="Wrong secrets allowed per (identifier, address) pair before each further attempt of "
        "that pair waits a growing delay (1 s, 2 s, 4 s … up to TLKPI_PORTAL_LOGIN_MAX_DELAY_SECONDS). "
        "Failures from other addresses never delay the right secret typed from a new one.",
    )
    portal_address_failed_logins: int = Field(
        default=20,
        ge=1,
        description="Wrong secrets allowed per address (whatever the identifier) before that address's "
        "attempts wait growing delays too.",
    )
    portal_login_first_delay_seconds: float = Field(
        default=1.0,
        gt=0,
        description="The first delay of the login throttle; each further failure doubles it.",
    )
    portal_login_max_delay_seconds: float = Field(
        default=900.0, gt=0, description="The longest delay the login throttle imposes between two attempts."
    )
    portal_login_window_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Failures are forgotten after this long without a new one (never less than the "
        "longest delay).",
    )
    portal_login_memory_entries: int = Field(
        default=50_000,
        ge=100,
        description="At most this many (identifier, address) pairs and addresses are remembered by the "
        "login throttle; the least recently failed are forgotten first.",
    )
    portal_activation_days: float = Field(
        default=14,
        gt=0,
        description="An activation code from `tlkpi access grant` opens the passphrase choice for this "
        "many days; after that the operator grants again.",
    )
    portal_max_waiting_checks: int = Field(
        default=8,
        ge=1,
        description="Checks of uploaded files running or waiting at once, over all sessions; one more is "
        "told to retry in a minute (each session may run one check at a time).",
    )
    portal_body_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A request body (an upload) that sends nothing for this long is cut off (408).",
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

    @model_validator(mode="after")
    def check_lake_catalog(self) -> Settings:
        if self.warehouse_backend == "ducklake" and not self.lake_catalog:
            raise ValueError("TLKPI_WAREHOUSE_BACKEND=ducklake needs TLKPI_LAKE_CATALOG (a libpq string)")
        return self

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
    def quarantine_dir(self) -> Path:
        """Files whose processing failed unexpectedly (« erreur de traitement »), for the operator."""
        return self.root / "quarantine"

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
    def warehouse(self) -> Path | Lake:
        """The warehouse the pipeline reads and writes: the DuckDB file, or the lake."""
        if self.warehouse_backend == "file":
            return self.warehouse_path
        return Lake(self.lake_catalog, self.lake_data_folder)

    @property
    def lake_data_folder(self) -> str:
        """Where the lake's data files live: `lake_data_path`, by default <data root>/lake/."""
        return self.lake_data_path or f"{self.root / 'lake'}/"

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


def settings_for(data_root: str | Path | None) -> Settings:
    """The settings of the environment, with the data root a run or a command may override."""
    return Settings(data_root=Path(data_root)) if data_root else Settings()
