"""Render the quarter's static French site and open-data files from a frozen edition."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from reports.site import render_quarter_site
from tlkpi.settings import Settings


@task(name="render", cache_policy=NO_CACHE)
def render_site(settings: Settings, quarter: str, edition: int | None = None) -> str:
    """Write site/<quarter>/ (or site/<quarter>/editions/<n>/ for an earlier edition); return its index.html."""
    return str(render_quarter_site(settings.warehouse_path, quarter, settings.site_dir, settings, edition))
