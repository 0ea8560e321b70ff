"""Job attempts forked from the runner's preloaded fork server: what the fork inherits from the server (its
environment, working directory, imports) against what the attempt must see (the runner's, now)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fmp_elt import clock
from tests.fixtures.ops import FMP_ELT, ROOT, job, query, write_jobs
from tests.fixtures.processes import alive, wait_for


@pytest.mark.clock
def test_each_attempt_sees_the_runners_environment_of_its_run_not_the_servers(
    database_url: str, tmp_path: Path
) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    jobs = write_jobs(tmp_path, [job("echo", OPS_ECHO="OPS_PROBE,OPS_GONE,OPS_LAYER", OPS_LAYER="job")])
    replay_at = (clock.now() - timedelta(days=30)).replace(microsecond=0)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPS_LAYER": "runner"}
    env.pop("FMP_ELT_REPLAY_LAG", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fixtures.two_runs",
            database_url,
            str(jobs),
            str(first_dir),
            str(second_dir),
            replay_at.isoformat(),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    runner, first_run, second_run = done.stdout.split()
    echoed = dict(query(database_url, "select run_id::text, metadata->'echo' from etl.executions"))
    first, second = echoed[first_run], echoed[second_run]

    # the server started during the first run, with OPS_PROBE=first and OPS_GONE set, in the first folder
    assert first["env"] == {"OPS_PROBE": "first", "OPS_GONE": "set for the first run only", "OPS_LAYER": "job"}
    assert second["env"] == {"OPS_PROBE": "second", "OPS_GONE": None, "OPS_LAYER": "job"}
    assert (first["cwd"], second["cwd"]) == (str(first_dir), str(second_dir))
    # the replayed clock (FMP_ELT_REPLAY_LAG, set between the runs) reads the replayed day in the second run only
    second_now = datetime.fromisoformat(second["now"])
    assert replay_at <= second_now < replay_at + timedelta(minutes=5)
    assert datetime.fromisoformat(first["now"]) > replay_at + timedelta(days=29)
    assert second_now.tzinfo == UTC

    # both attempts are forks of one server (not of the runner), which had imported the job's PRELOAD
    assert first["parent"] == second["parent"] != int(runner)
    assert first["pid"] != second["pid"]
    assert first["probeImportedIn"] == second["probeImportedIn"] == first["parent"]


def test_a_job_dies_with_its_runner_killed_alone(database_url: str, tmp_path: Path) -> None:
    """SIGKILL of the runner process only (not its group): the attempt, in a session of its own and a child of the
    fork server, kills its process group, grandchild included, though nobody has reaped the runner yet."""
    pidfile = tmp_path / "grandchild.pid"
    path = write_jobs(
        tmp_path, [job("slow", timeout=300, OPS_MODE="spawn_and_sleep", OPS_SLEEP=120, OPS_PIDFILE=pidfile)]
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "FMP_ELT_JOBS": str(path)}
    runner = subprocess.Popen([str(FMP_ELT), "run", "--jobs", "slow"], env=env, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(pidfile.exists), "the job never started"
        grandchild = int(pidfile.read_text())
        attempt = int(Path(f"/proc/{grandchild}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert os.getpgid(attempt) == attempt != os.getpgid(runner.pid)  # the attempt leads a group of its own
        runner.send_signal(signal.SIGKILL)
        assert wait_for(lambda: not alive(attempt) and not alive(grandchild)), "the job outlived its runner"
    finally:
        if runner.poll() is None:
            runner.kill()
        runner.wait()
