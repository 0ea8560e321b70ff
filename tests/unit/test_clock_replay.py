"""The clock's replay mode (what `fmp-elt demo --days` records its runs with): the clock reads the replayed
instant and moves on from it, in this process and the processes it starts, and only inside the block."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from fmp_elt import clock, trading_calendar
from fmp_elt.errors import ConfigError

pytestmark = pytest.mark.clock


def test_inside_a_replay_the_clock_reads_the_replayed_time_and_moves_on() -> None:
    at = datetime.now(UTC) - timedelta(days=30, hours=3)
    with clock.replaying(at):
        first = clock.now()
        second = clock.now()
        assert timedelta(0) <= first - at < timedelta(seconds=5)
        assert second >= first
        assert clock.today() == first.date()
        assert trading_calendar.latest_session() == trading_calendar.last_completed_trading_day(first)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    assert clock.REPLAY_LAG_ENV not in os.environ


def test_a_process_started_during_a_replay_keeps_to_it() -> None:
    at = datetime.now(UTC) - timedelta(days=400)
    with clock.replaying(at):
        child = subprocess.run(
            [sys.executable, "-c", "from fmp_elt import clock; print(clock.now().isoformat())"],
            capture_output=True,
            text=True,
            check=True,
        )
    seen = datetime.fromisoformat(child.stdout.strip())
    assert timedelta(0) <= seen - at < timedelta(seconds=60)


def test_a_replay_cannot_run_ahead_of_the_wall_clock() -> None:
    with (
        pytest.raises(ValueError, match="ahead of the wall clock"),
        clock.replaying(datetime.now(UTC) + timedelta(hours=1)),
    ):
        pass
    assert clock.REPLAY_LAG_ENV not in os.environ


def test_a_bad_replay_variable_is_a_configuration_error(database_url: str) -> None:
    # the test's own database: without DATABASE_URL, `status` would start the embedded server in ~
    env = {**os.environ, "DATABASE_URL": database_url, clock.REPLAY_LAG_ENV: "-5"}
    child = subprocess.run(
        [sys.executable, "-m", "fmp_elt", "status"], env=env, capture_output=True, text=True, check=False
    )
    assert child.returncode == 2
    assert clock.REPLAY_LAG_ENV in child.stderr
    assert "Traceback" not in child.stderr


def test_the_lag_must_be_a_number_of_seconds() -> None:
    os.environ[clock.REPLAY_LAG_ENV] = "yesterday"
    try:
        with pytest.raises(ConfigError, match="not a number of seconds"):
            clock.now()
    finally:
        del os.environ[clock.REPLAY_LAG_ENV]
