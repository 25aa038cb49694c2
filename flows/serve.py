"""Serve every deployment of prefect.yaml from one process (`tlkpi serve`): a single-machine install."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect import serve
from prefect.flows import load_flow_from_entrypoint

from tlkpi.settings import PROJECT_ROOT


def read_deployments(project: Path = PROJECT_ROOT) -> list[dict[str, Any]]:
    """The deployments of prefect.yaml: the one place where names, parameters and schedules live."""
    return yaml.safe_load((project / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


def _schedule(entry: dict[str, Any]) -> dict[str, Any]:
    schedule = (entry.get("schedules") or [{}])[0]
    if "interval" in schedule:
        return {"interval": schedule["interval"]}
    if "cron" in schedule:
        return {"cron": schedule["cron"]}
    return {}


def runner_deployments(project: Path = PROJECT_ROOT) -> list[Any]:
    """One runner deployment per prefect.yaml entry, same name, parameters and schedule."""
    deployments = []
    for entry in read_deployments(project):
        flow: Any = load_flow_from_entrypoint(str(project / entry["entrypoint"]))
        deployments.append(
            flow.to_deployment(
                name=entry["name"],
                parameters=entry.get("parameters") or {},
                description=entry.get("description"),
                **_schedule(entry),
            )
        )
    return deployments


def serve_all(project: Path = PROJECT_ROOT) -> None:
    """Block and run the deployments on their schedules (and on demand) until interrupted."""
    serve(*runner_deployments(project))
