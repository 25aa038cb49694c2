"""Find and claim the files waiting in the inbox."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from intake import dropzone
from intake.dropzone import Claim
from tlkpi.settings import Settings


@task(name="discover", cache_policy=NO_CACHE)
def discover_files(settings: Settings) -> list[str]:
    """Put back files of abandoned claims, then list the inbox."""
    dropzone.release_stale_claims(settings.inbox_dir, settings.processing_dir, settings.claim_timeout_seconds)
    return [str(path) for path in dropzone.discover(settings.inbox_dir)]


@task(name="claim", cache_policy=NO_CACHE)
def claim_files(paths: list[str], settings: Settings) -> list[Claim]:
    """Take the files out of the inbox atomically; those another run took first are skipped."""
    claims = (dropzone.claim(Path(path), settings.inbox_dir, settings.processing_dir) for path in paths)
    return [claim for claim in claims if claim is not None]


@task(name="put-back", cache_policy=NO_CACHE)
def put_back_claims(claims: list[Claim], settings: Settings) -> int:
    """After a fault of the machine (full disk, unusable warehouse), unsettled files go back to the inbox."""
    return sum(dropzone.put_back(claim, settings.inbox_dir) is not None for claim in claims)
