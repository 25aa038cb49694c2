"""Render the quarter's static French site, its open-data files and the private reports of an edition."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from intake.receipts import deliver_private_reports
from reports.private.writer import private_root, render_private_reports
from reports.site.writer import render_quarter_site, site_is_current
from tlkpi.settings import Settings


@task(name="render", cache_policy=NO_CACHE)
def render_site(settings: Settings, quarter: str, edition: int | None = None) -> str:
    """Write site/<quarter>/ (or site/<quarter>/editions/<n>/ for an earlier edition); return its index.html."""
    return str(render_quarter_site(settings.warehouse, quarter, settings.site_dir, settings, edition))


@task(name="render-private", cache_policy=NO_CACHE)
def render_private(settings: Settings, quarter: str) -> list[str]:
    """Write private/<quarter>/<FINESS>/ for each establishment of the latest edition; return the indexes."""
    indexes = render_private_reports(
        settings.warehouse, quarter, private_root(settings), settings.render_workers
    )
    return [str(path) for path in indexes]


@task(name="deliver-private", cache_policy=NO_CACHE)
def deliver_reports(settings: Settings, quarter: str, edition: int) -> int:
    """Copy each establishment's private report of this edition into its outbox/<FINESS>/rapports/."""
    delivered = deliver_private_reports(
        private_root(settings) / quarter, settings.outbox_dir, quarter, edition
    )
    return len(delivered)


@task(name="check-site", cache_policy=NO_CACHE)
def check_site(settings: Settings, quarter: str) -> bool:
    """True when site/<quarter>/ already holds the latest edition, every file as its manifest lists it."""
    return site_is_current(settings.warehouse, quarter, settings.site_dir)
