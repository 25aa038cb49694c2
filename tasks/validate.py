"""Validate a read file against the contract (Great Expectations suite + code rules)."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from schemas.catalogue import default_catalogue
from tlkpi.dropzone import Claim
from tlkpi.submissions import Summary, validate_claim


@task(name="validate", cache_policy=NO_CACHE)
def validate_file(claim: Claim, readable: bool, today: date) -> Summary:
    return validate_claim(claim, default_catalogue(), today, readable)
