"""`tlkpi serve` serves exactly the deployments of prefect.yaml, with their schedules."""

from __future__ import annotations

from flows.serve import read_deployments, runner_deployments


def test_served_deployments_match_prefect_yaml() -> None:
    served = {d.name: d for d in runner_deployments()}
    declared = {entry["name"]: entry for entry in read_deployments()}
    assert set(served) == set(declared) == {"inbox", "quarter"}
    inbox_schedule = served["inbox"].schedules[0].schedule
    assert inbox_schedule.interval.total_seconds() == declared["inbox"]["schedules"][0]["interval"]
    assert served["quarter"].schedules[0].schedule.cron == declared["quarter"]["schedules"][0]["cron"]
    assert served["quarter"].schedules[0].schedule.timezone == declared["quarter"]["schedules"][0]["timezone"]


def test_an_operator_can_poll_the_inbox_more_often_without_touching_the_quarter() -> None:
    served = {d.name: d for d in runner_deployments(interval=20)}
    declared = {entry["name"]: entry for entry in read_deployments()}
    assert served["inbox"].schedules[0].schedule.interval.total_seconds() == 20
    assert served["quarter"].schedules[0].schedule.cron == declared["quarter"]["schedules"][0]["cron"]
