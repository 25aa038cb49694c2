"""Find and claim the files waiting in the inbox."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run

from intake import claim_owner, dropzone
from intake.dropzone import Claim
from intake.folder_faults import FolderFault, save_faults
from tlkpi.settings import Settings


def read_flow_run_state(flow_run_id: str) -> str | None:
    """The state type of a flow run in the Prefect API ("CRASHED", ...); None when it cannot say."""
    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(UUID(flow_run_id)).state
    except (ValueError, ObjectNotFound, httpx.HTTPError):
        return None
    return state.type.value if state is not None else None


@task(name="discover", cache_policy=NO_CACHE)
def discover_files(settings: Settings) -> list[str]:
    """Put back the files of claims whose owner is gone (or older than the timeout), then list the settled
    files of the inbox in reception order (waiting once for files seen for the first time). A folder
    that cannot be listed or emptied is recorded as that folder's fault."""
    faults: list[FolderFault] = []
    dropzone.release_stale_claims(
        settings.inbox_dir,
        settings.processing_dir,
        settings.claim_timeout_seconds,
        claim_owner.claim_checker(read_flow_run_state),
        faults,
    )
    found = dropzone.discover(settings.inbox_dir, settings.settle_seconds, wait=True, faults=faults)
    save_faults(settings.inbox_dir, faults, replace=True)
    return [str(path) for path in found]


@task(name="claim", cache_policy=NO_CACHE)
def claim_files(paths: list[str], settings: Settings) -> list[Claim]:
    """Take the files out of the inbox atomically (at most `ingest_batch_files`); those another run took
    first are skipped, and so are the files of a folder that cannot be emptied (its fault is recorded)."""
    owner = claim_owner.current_owner(flow_run.get_id())
    claims, faults = dropzone.claim_all(
        [Path(path) for path in paths], settings.inbox_dir, settings.processing_dir,
        settings.settle_seconds, owner, settings.ingest_batch_files,
    )  # fmt: skip
    if faults:
        save_faults(settings.inbox_dir, faults, replace=False)
    return claims


@task(name="put-back", cache_policy=NO_CACHE)
def put_back_claims(claims: list[Claim], settings: Settings) -> int:
    """After a fault of the machine (full disk, unusable warehouse), unsettled files go back to the inbox."""
    return sum(dropzone.put_back(claim, settings.inbox_dir) is not None for claim in claims)
