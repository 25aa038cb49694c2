"""Find and claim the files waiting in the inbox."""

from __future__ import annotations

from uuid import UUID

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run

from intake import run
from intake.dropzone import Claim
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
    """Put back the files of claims whose owner is gone (or older than the timeout), then list the inbox."""
    return run.discover_files(settings, read_flow_run_state, wait=True)


@task(name="claim", cache_policy=NO_CACHE)
def claim_files(paths: list[str], settings: Settings) -> list[Claim]:
    """Take the files out of the inbox atomically (at most `ingest_batch_files`), for this flow run."""
    return run.claim_files(paths, settings, flow_run.get_id())


@task(name="put-back", cache_policy=NO_CACHE)
def put_back_claims(claims: list[Claim], settings: Settings) -> int:
    """After a fault of the machine (full disk, unusable warehouse), unsettled files go back to the inbox."""
    return run.put_back_claims(claims, settings)
