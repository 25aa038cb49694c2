"""The repository checks itself: deployments load, CLI commands are documented, migrations are numbered."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint
from typer.testing import CliRunner

from flows.cli import app
from warehouse.db import list_migrations

PROJECT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = yaml.safe_load((PROJECT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_every_deployment_entrypoint_loads_and_its_parameters_validate(deployment: dict) -> None:
    flow = load_flow_from_entrypoint(str(PROJECT / deployment["entrypoint"]))
    flow.validate_parameters(deployment.get("parameters") or {})
    assert deployment.get("schedules"), "every deployment runs on a schedule"


def test_quarter_deployment_accepts_a_quarter_parameter() -> None:
    flow = load_flow_from_entrypoint(str(PROJECT / "flows/quarter.py:quarter"))
    assert flow.validate_parameters({"quarter": "2025-T3"})["quarter"] == "2025-T3"


COMMANDS = [command.name or command.callback.__name__ for command in app.registered_commands]  # type: ignore[union-attr]


def test_the_cli_has_the_commands_of_the_product() -> None:
    assert {"demo", "ingest", "quarter", "check"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_cli_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    summary = result.output.split("Usage:")[1]
    assert len(summary.strip().splitlines()) > 2, f"`tlkpi {command} --help` says nothing"


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [version for version, _ in list_migrations()]
    assert versions == list(range(1, len(versions) + 1))
