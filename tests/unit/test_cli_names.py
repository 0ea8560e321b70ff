"""One name per thing a user selects: the quality command is named as its job, and both plan options choose alike."""

from __future__ import annotations

import click
from click.testing import CliRunner

from fmp_elt.cli import cli
from fmp_elt.config import PLANS


def test_the_quality_command_is_named_as_its_job_and_validate_still_runs_it() -> None:
    listed = CliRunner().invoke(cli, ["--help"]).output
    assert "  quality " in listed
    assert "validate" not in listed
    alias = CliRunner().invoke(cli, ["validate", "--help"])
    assert alias.exit_code == 0
    assert "--dataset" in alias.output


def test_demo_and_simulate_choose_the_plan_the_same_way() -> None:
    for name in ("demo", "simulate"):
        (plan,) = [p for p in cli.commands[name].params if p.name == "plan"]
        assert isinstance(plan.type, click.Choice)
        assert list(plan.type.choices) == list(PLANS), name
